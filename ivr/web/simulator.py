"""The web simulator: a browser steps through the menus by the very same CallFlow and TwiML as a Twilio call.

The page interprets the TwiML itself (Say, Gather, Redirect, Dial, Hangup) and posts each next step here, as Twilio
would post to /voice/step. Twilio signatures are for Twilio, so these routes are guarded by the app instead: a signed
session cookie carrying a per-page token that every request repeats in a header, and optionally an operator password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from ivr.content.version import HotlineError
from ivr.core.idnumber import mask
from ivr.storage.store import BackendUnavailable
from ivr.telephony.flow import PHONE, BadRequest, call_sid
from ivr.web.call_records import SIMULATOR_PREFIX
from ivr.web import simulator_queue
from ivr.web.protection import simulator_enabled
from ivr.telephony.sequence import engine_state

log = logging.getLogger("ivr.simulator")

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
# The agents' queue's routes sit under /simulator/queue, behind the same guard.
bp.register_blueprint(simulator_queue.bp)

TEXT_FILE = Path(__file__).parent / "static" / "simulator-text.json"
TOKEN_HEADER = "X-Simulator-Token"
# How many recent calls one browser session may step; older ones are forgotten, as the store forgets their state.
KEEP_CALLS = 4
# How often an open page asks which version is served, to tell of a new publish (the watcher takes one up within 2 s).
VERSION_POLL_SECONDS = 5
# Parameters every Twilio request carries; the page sends them with each step as Twilio would.
ACCOUNT_SID = "AC" + "0" * 32


def init_app(app: Flask) -> None:
    """Register the simulator; its session cookie is signed with the app's secret key (ivr.web.app)."""
    app.register_blueprint(bp)


@cache
def interface_text() -> dict:
    """The page's own words in Chinese and English, kept in a static JSON file the browser also reads."""
    return json.loads(TEXT_FILE.read_text(encoding="utf-8"))


def _password_mark(password: str) -> str:
    # The session keeps a digest of the password it was opened with, so changing the password closes old sessions.
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def needs_login() -> bool:
    password = current_app.config["IVR_SIMULATOR_PASSWORD"]
    if not password:
        return False
    opened = session.get("simulator_operator", "")
    return not (isinstance(opened, str) and hmac.compare_digest(opened, _password_mark(password)))


@bp.before_request
def guard():
    """The switch, the operator password and the page token, in that order."""
    if not simulator_enabled(current_app.config):
        abort(404)
    if request.endpoint in ("simulator.page", "simulator.login"):
        return None
    if needs_login():
        log.warning("refused %s: the simulator's operator password has not been given", request.path)
        abort(403)
    token = session.get("simulator_token")
    sent = request.headers.get(TOKEN_HEADER, "")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), sent.encode("utf-8", "replace")):
        log.warning("refused %s: no valid simulator token (open /simulator first)", request.path)
        abort(403)
    return None


@bp.get("")
def page():
    if needs_login():
        return render_template("simulator/login.html", text=interface_text(), failed=False)
    token = session.setdefault("simulator_token", secrets.token_urlsafe(32))
    hotline = current_app.extensions["ivr.versions"]()
    book = hotline.lines
    lines = [
        {"key": line.key, "region": hotline.regions.get(line.region).name, "numbers": list(line.numbers)}
        for line in sorted(book.lines.values(), key=lambda line: line.key != book.default)
    ]
    config = {
        "token": token,
        "tokenHeader": TOKEN_HEADER,
        "account": ACCOUNT_SID,
        "base": url_for("simulator.page"),
        "callUrl": url_for("simulator.start"),
        "takeUrl": url_for("simulator.queue.take"),
        "statusUrl": url_for("simulator.status"),
        "previewUrl": url_for("simulator.preview"),
        "versionUrl": url_for("simulator.version"),
        "pollSeconds": VERSION_POLL_SECONDS,
    }
    # An operator's refused edit is shown here too: the simulator is where they try their change.
    reload_status = current_app.extensions["ivr.versions"].status()
    return render_template("simulator/page.html", text=interface_text(), lines=lines, config=config,
                           reload=reload_status, preview=preview_choice(), published=_published_numbers())


def _published_numbers() -> list[int]:
    """The published versions a preview may call, newest first; none when the database cannot say."""
    try:
        return [found.number for found in reversed(current_app.extensions["ivr.store"].published.listing())]
    except BackendUnavailable:
        return []


@bp.post("/login")
def login():
    password = current_app.config["IVR_SIMULATOR_PASSWORD"]
    given = request.form.get("password", "")
    if not password or hmac.compare_digest(given.encode("utf-8", "replace"), password.encode("utf-8")):
        session["simulator_operator"] = _password_mark(password) if password else ""
        return redirect(url_for("simulator.page"))
    log.warning("simulator: a wrong operator password was given from %s", request.remote_addr)
    return render_template("simulator/login.html", text=interface_text(), failed=True), 403


def step_url(seq: int, event: str | None) -> str:
    """Where the page posts the next step: this blueprint's twin of /voice/step (and of the queue's wait URL)."""
    if event == "wait":
        return url_for("simulator.queue.wait")
    return url_for("simulator.step", seq=seq, event=event)


def owned_call() -> str:
    """The CallSid of this request, which must be one this browser session started."""
    sid = call_sid(request.form)
    if sid not in session.get("simulator_calls", []):
        log.warning("refused %s: call %s was not started by this simulator session", request.path, sid)
        abort(403)
    return sid


def masked_state(state: dict | None) -> dict | None:
    """The stored engine state (none once the call ended) with its ID numbers masked, for the page's side panel."""
    state = engine_state(state)
    if state is None:
        return None
    shown = dict(state)
    for name in ("verified", "pending"):
        if isinstance(shown.get(name), str):
            shown[name] = mask(shown[name])
    # The reference of an ID number said aloud and being read back is shown no more than the verified one.
    slots = shown.get("slots")
    if isinstance(slots, dict) and isinstance(slots.get("heard_id"), str):
        shown["slots"] = {**slots, "heard_id": mask(slots["heard_id"])}
    return shown


def answer(sid: str, twiml: str) -> Response:
    state = masked_state(current_app.extensions["ivr.store"].load_call(sid))
    node = state["node"] if state else None
    # The texts the call asked for, as they would be sent: the mobile masked, never sent from the simulator.
    texts = [{"to": text.to, "body": text.body, "status": text.status}
             for text in current_app.extensions["ivr.outbox"].of_call(sid)]
    return jsonify(call_sid=sid, twiml=twiml, node=node, state=state, texts=texts, **node_words(node, state))


def node_words(node: str | None, state: dict | None) -> dict:
    """The node's title in the operators' words and its English gloss, from the version the call runs on."""
    version = state.get("version") if state else None
    script = current_app.extensions["ivr.versions"](version if isinstance(version, str) else None).script
    found = script.nodes.get(node) if node else None
    return {"title": getattr(found, "title", None), "gloss": getattr(found, "en", None)}


# The call's own clock: the tester may set the date and time a call happens at (to try agent hours at night). The
# difference from the real time is kept in this browser's signed session, by CallSid, and given to the engine of that
# call's steps only; Twilio's webhooks never read it.
CLOCKS = "simulator_clocks"
# The furthest a call's clock may be set from today, either way.
CLOCK_RANGE = dt.timedelta(days=3660)


def chosen_offset(raw: str, hotline) -> float | None:
    """Seconds from now to the local date and time typed in the page (YYYY-MM-DDTHH:MM), None when left empty."""
    if not raw:
        return None
    try:
        chosen = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest("At is not a date and time (YYYY-MM-DDTHH:MM)") from None
    if chosen.tzinfo is None:
        # Typed as the lines' local time, as the agent hours in data/lines.yaml are written.
        chosen = chosen.replace(tzinfo=hotline.lines.timezone)
    offset = chosen - current_app.config["CLOCK"]()
    if abs(offset) > CLOCK_RANGE:
        raise BadRequest("At is too far from today")
    return offset.total_seconds()


def call_time(sid: str) -> dt.datetime | None:
    """The time this call's engine reads: the real time moved by the offset chosen for it, None when none was."""
    offset = session.get(CLOCKS, {}).get(sid)
    if not isinstance(offset, (int, float)):
        return None
    return current_app.config["CLOCK"]() + dt.timedelta(seconds=offset)


@bp.post("/call")
def start():
    """A new call to the chosen hotline number: the same CallFlow.incoming that answers Twilio's first request."""
    to, caller = request.form.get("To", ""), request.form.get("From", "")
    if not (PHONE.match(to) and PHONE.match(caller)):
        raise BadRequest("To or From is not a phone number")
    sid = SIMULATOR_PREFIX + secrets.token_hex(16)
    session["simulator_calls"] = [sid] + list(session.get("simulator_calls", []))[: KEEP_CALLS - 1]
    form = MultiDict({
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": to,
        "Caller": caller,
        "Called": to,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    })
    try:
        hotline = previewed()
    except HotlineError as exc:
        # A call the operator meant for a preview never runs on another version instead.
        return jsonify(error="the previewed version cannot be called", problems=_problems(exc)), 409
    offset = chosen_offset(request.form.get("At", "").strip(), hotline or current_app.extensions["ivr.versions"]())
    clocks = {kept: seconds for kept, seconds in session.get(CLOCKS, {}).items() if kept in session["simulator_calls"]}
    if offset is not None:
        clocks[sid] = offset
    session[CLOCKS] = clocks
    return answer(sid, current_app.extensions["ivr.flow"].incoming(form, step_url, hotline, now=call_time(sid)))


# Preview: this browser session's calls may run on the draft (the files on disk) or on any published version instead of
# the one served, which stays what callers get. The choice is kept in the session, so that the call itself is started
# as before; each call then stays on the version it started on, as every call does.
PREVIEW = "simulator_preview"
DRAFT = "draft"


def _problems(exc: HotlineError) -> list[str]:
    return list(getattr(exc, "problems", None) or [str(exc)])


def previewed():
    """The hotline this session's next call runs on: None for the one served, else the draft or a numbered version;
    HotlineError when the chosen one cannot be served (the draft fails its checks, the number is gone)."""
    chosen = session.get(PREVIEW)
    versions = current_app.extensions["ivr.versions"]
    if chosen == DRAFT:
        return versions.draft()
    if isinstance(chosen, int):
        hotline = versions.numbered(chosen)
        if hotline is None:
            raise HotlineError(f"there is no version {chosen}")
        return hotline
    return None


def preview_choice() -> dict:
    """What the page marks: which version the next call runs on, and the one callers get."""
    chosen = session.get(PREVIEW)
    serving = current_app.extensions["ivr.versions"].status()
    return {"chosen": chosen if chosen in (DRAFT, None) or isinstance(chosen, int) else None,
            "serving": serving["number"], "version": serving["version"]}


@bp.post("/preview")
def preview():
    """Choose the version this session's next calls run on: `draft`, a published number, or empty for the one served."""
    wanted = request.form.get("version", "")
    if wanted == DRAFT:
        choice = DRAFT
    elif wanted.isascii() and wanted.isdigit() and len(wanted) < 10:
        choice = int(wanted)
    elif wanted == "":
        choice = None
    else:
        raise BadRequest("version is not draft, a number or empty")
    session[PREVIEW] = choice
    try:
        previewed()
    except HotlineError as exc:
        session[PREVIEW] = None
        return jsonify(error="this version cannot be called", problems=_problems(exc), **preview_choice()), 409
    return jsonify(**preview_choice())


@bp.get("/version")
def version():
    """The version served now, which an open page polls to tell of a new publish without a reload."""
    return jsonify(**preview_choice())


@bp.post("/step")
def step():
    sid = owned_call()
    flow = current_app.extensions["ivr.flow"]
    return answer(sid, flow.step(request.form, request.args.get("seq"), request.args.get("event"), step_url,
                                 now=call_time(sid), simulated=True))


@bp.post("/status")
def status():
    """The page's status callback when a call ends, as Twilio's /voice/status: the call's state is forgotten and its
    outcome recorded (the call records time it, as the page has no carrier to)."""
    owned_call()
    flow = current_app.extensions["ivr.flow"]
    flow.ended(request.form)
    form = MultiDict({"CallSid": request.form.get("CallSid", ""), "CallStatus": request.form.get("CallStatus", "")})
    try:
        current_app.extensions["ivr.calllog"].finished(form, flow.clock())
    except BackendUnavailable as exc:
        log.warning("simulator call status not recorded: %s", exc)
    return Response(status=204)


@bp.errorhandler(BadRequest)
def bad_request(exc):
    log.warning("refused %s: %s", request.path, exc)
    return jsonify(error=str(exc)), 400


@bp.errorhandler(Exception)
def last_resort(exc):
    """Whatever failed below the call flow's own recovery (a database that is down): a plain answer, never a 500."""
    if isinstance(exc, HTTPException):
        return exc
    log.exception("simulator %s failed", request.path)
    return jsonify(error="the hotline could not answer this step"), 503
