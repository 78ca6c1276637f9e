"""The simulator's side of the agents' queues: the wait URL and its key, and a button to act as the agent.

The page plays the same TwiML as Twilio and posts to these routes as Twilio posts to /voice/queue/...; where Twilio
would add the caller's place (QueuePosition, CurrentQueueSize, AvgQueueTime, QueueTime), these routes add it from
the hotline's own record of who waits (ivr.storage.agents), so the page shows what a caller would hear."""

from __future__ import annotations

from flask import Blueprint, current_app, url_for
from flask import request as flask_request
from werkzeug.datastructures import MultiDict

from ivr.telephony.queueing import Queues

bp = Blueprint("queue", __name__, url_prefix="/queue")


def queue_url(kind: str) -> str:
    """The simulator's twins of the wait URL and of where a key pressed during the wait goes."""
    return url_for("simulator.queue.wait" if kind == "wait" else "simulator.queue.key")


def _queues() -> Queues:
    return Queues(current_app.extensions["ivr.flow"])


def _with_place(sid: str) -> MultiDict:
    """The page's request with the queue parameters Twilio would send, from the record of who waits."""
    form = MultiDict(flask_request.form)
    place = current_app.extensions["ivr.store"].queue_callers.place(sid, current_app.config["CLOCK"]())
    if place is not None:
        position, size, average, waited = place
        for name, value in (("QueuePosition", position), ("CurrentQueueSize", size), ("AvgQueueTime", average),
                            ("QueueTime", waited)):
            form[name] = str(value)
        form["QueueSid"] = "QU" + "0" * 32
    return form


# The simulator's own helpers are imported inside each view: ivr.web.simulator imports this module to nest its
# blueprint, so importing it back at the top would be circular.


@bp.post("/wait")
def wait():
    from ivr.web.simulator import answer, owned_call

    sid = owned_call()
    return answer(sid, _queues().wait(_with_place(sid), queue_url))


@bp.post("/key")
def key():
    from ivr.web.simulator import answer, owned_call

    sid = owned_call()
    return answer(sid, _queues().key(flask_request.form, queue_url))


@bp.post("/take")
def take():
    """The page's user acts as the agent who takes this caller from the queue (the <Queue> url's TwiML)."""
    from ivr.web.simulator import answer, owned_call

    sid = owned_call()
    return answer(sid, _queues().answered(flask_request.form))
