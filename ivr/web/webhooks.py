"""The Twilio Voice webhooks: requests become engine events, replies become TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ivr.storage.store import BackendUnavailable
from ivr.telephony.flow import BadRequest
from ivr.telephony.signatures import require_twilio_signature

log = logging.getLogger("ivr.webhooks")

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)


def step_url(seq: int, event: str | None) -> str:
    """Where Twilio posts the next step; it carries only the step number and the kind of event."""
    path = url_for("voice.step", seq=seq, event=event)
    base = current_app.config["IVR_PUBLIC_URL"].rstrip("/")
    return base + path if base else url_for("voice.step", seq=seq, event=event, _external=True)


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

