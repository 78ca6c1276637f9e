"""The Twilio Voice webhooks: requests become engine events, replies become TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ivr.storage.store import BackendUnavailable
from ivr.telephony.flow import BadRequest
from ivr.telephony.queueing import Queues
from ivr.telephony.signatures import require_twilio_signature

log = logging.getLogger("ivr.webhooks")

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)


def step_url(seq: int, event: str | None) -> str:
    """Where Twilio posts the next step; it carries only the step number and the kind of event. A caller in an
    agents' queue is asked about by the wait URL, which needs no step: the queue's requests change no call.

    Written out rather than built by the URL map (url_for cost about 55 µs a URL, two per step); the events are fixed
    words that need no quoting, and tests/integration/test_webhook_urls.py holds it to what url_for builds.
    """
    if event == "wait":
        return queue_url("wait")
    public = current_app.config["IVR_PUBLIC_URL"].rstrip("/")
    base = public + request.script_root if public else request.url_root.rstrip("/")
    return f"{base}{bp.url_prefix}/step?seq={seq}&event={event}" if event else f"{base}{bp.url_prefix}/step?seq={seq}"


def queue_url(kind: str) -> str:
    """The URLs of a caller waiting in an agents' queue: the wait URL itself, and where a key pressed there goes."""
    return public_url("voice.queue_wait" if kind == "wait" else "voice.queue_key")


def public_url(endpoint: str, **values) -> str:
    """The URL Twilio calls (and signs) for an endpoint: under IVR_PUBLIC_URL where it is set."""
    path = url_for(endpoint, **values)
    base = current_app.config["IVR_PUBLIC_URL"].rstrip("/")
    return base + path if base else url_for(endpoint, **values, _external=True)


def twiml(text: str) -> Response:
    return Response(text, mimetype="text/xml")


@bp.post("")
def incoming():
    return twiml(current_app.extensions["ivr.flow"].incoming(request.form, step_url))


@bp.post("/step")
def step():
    seq = request.args.get("seq")
    event = request.args.get("event")
    return twiml(current_app.extensions["ivr.flow"].step(request.form, seq, event, step_url))


def queues() -> Queues:
    return Queues(current_app.extensions["ivr.flow"])


@bp.post("/queue/wait")
def queue_wait():
    """Twilio's wait URL while a caller waits in an agents' queue."""
    return twiml(queues().wait(request.form, queue_url))


@bp.post("/queue/key")
def queue_key():
    """A key pressed during the wait."""
    return twiml(queues().key(request.form, queue_url))


@bp.post("/queue/answered")
def queue_answered():
    """Requested on the caller's call as an agent takes it from the queue (the <Queue> url)."""
    return twiml(queues().answered(request.form))


@bp.post("/agent")
def agent_access():
    """The voice webhook of a line's agent access number: the next waiting caller, for the line's agents only."""
    return twiml(queues().agent(request.form, public_url("voice.queue_answered")))


@bp.post("/status")
def status():
    flow = current_app.extensions["ivr.flow"]
    try:
        with flow.store.held():
            flow.ended(request.form)
            current_app.extensions["ivr.calllog"].finished(request.form, flow.clock())
    except BackendUnavailable as exc:
        # Twilio does not retry status callbacks; the call is over either way, only its record is missing.
        log.warning("call status not recorded: %s", exc)
    return Response(status=204)


@bp.errorhandler(BadRequest)
def bad_request(exc):
    log.warning("refused %s: %s", request.path, exc)
    return Response(str(exc), status=400, mimetype="text/plain")


@bp.errorhandler(Exception)
def last_resort(exc):
    """Whatever failed below the engine's own recovery (a database that is down): apologise, never a 500."""
    if isinstance(exc, HTTPException):
        return exc
    log.exception("webhook %s failed", request.path)
    script = current_app.extensions["ivr.versions"]().script
    messages, settings = script.messages, script.settings
    response = VoiceResponse()
    voice = {"language": settings.language, "voice": settings.voice}
    response.say(messages.apology, **voice)
    response.say(messages.goodbye, **voice)
    response.hangup()
    return twiml(str(response))

