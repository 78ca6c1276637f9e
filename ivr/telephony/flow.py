"""One step of a call, from request parameters to TwiML: shared by the Twilio webhooks and the simulator."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from ivr.core.engine import Engine
from ivr.core.events import DialEnded, Keys, Silence
from ivr.core.hotline import Hotline
from ivr.core.replies import Gather, Hangup, Reply
from ivr.core.state import State, StateError
from ivr.storage.store import BackendUnavailable, Store
from ivr.telephony import outage
from ivr.telephony.twiml import render

log = logging.getLogger("ivr.calls")

CALL_SID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
KEYS = re.compile(r"^[0-9*#]{1,40}$")
PHONE = re.compile(r"^[+0-9A-Za-z:@._-]{0,64}$")


class BadRequest(Exception):
    """Parameters no Twilio request would carry; answered with 400."""


class Garbled:
    """Digits that no keypad produces (letters, emoji, hundreds of keys, the parameter twice)."""


def call_sid(form: MultiDict) -> str:
    values = form.getlist("CallSid")
    if len(values) != 1 or not CALL_SID.match(values[0]):
        raise BadRequest("CallSid is missing, repeated or malformed")
    return values[0]


def called_number(form: MultiDict) -> str:
    values = form.getlist("To")
    return values[0] if len(values) == 1 and PHONE.match(values[0]) else ""


def calling_number(form: MultiDict) -> str:
    """The caller's number (Twilio's From), for the limit on wrong passwords per number; empty when garbled."""
    values = form.getlist("From")
    return values[0] if len(values) == 1 and PHONE.match(values[0]) else ""


def event_from(form: MultiDict, event: str | None):
    if event == "silence":
        return Silence()
    if event == "dial":
        return DialEnded(answered=form.get("DialCallStatus") == "completed")
    values = form.getlist("Digits")
    if len(values) != 1:
        return Garbled() if values else Silence()
    digits = values[0]
    if digits == "":
        # Twilio treats a lone finishOnKey as no input.
        return Silence()
    return Keys(digits) if KEYS.match(digits) else Garbled()


@dataclass(frozen=True)
class StepRecord:
    """What one webhook step did, for the call records and observers (metrics, logs); it holds no personal data."""

    call_sid: str
    kind: str  # start, keys, silence, dialended, garbled, stale, restart, error, outage
    node: str
    ended: bool
    at: dt.datetime


class CallFlow:
    """Loads a call's state, steps the engine, saves the state and renders TwiML."""

    def __init__(self, hotline: Callable[[], Hotline], store: Store, clock: Callable):
        self.hotline = hotline
        self.store = store
        self.clock = clock
        # Writes each step's record to the call records (ivr.calllog), in the same transaction as the call's state.
        self.record: Callable[[StepRecord], None] | None = None
        # Callables given a StepRecord after every step; an observer that fails never breaks the call.
        self.observers: list[Callable[[StepRecord], None]] = []

    def incoming(self, form: MultiDict, url: Callable[[int, str | None], str]) -> str:
        sid = call_sid(form)
        with self.store.held():
            return self._incoming(sid, form, url)

    def _incoming(self, sid: str, form: MultiDict, url: Callable[[int, str | None], str]) -> str:
        started = time.perf_counter()
        hotline = self.hotline()
        engine = Engine(hotline, self.store)
        now = self.clock()
        try:
            state, reply = engine.start(called_number(form), now)
        except Exception:
            log.exception("call %s: the welcome failed", sid)
            state, reply = engine.restart(called_number(form), now, [hotline.script.messages.apology])
        return self._finish(sid, state, reply, hotline, url, "start", started)

    def step(self, form: MultiDict, seq: str | None, event_name: str | None, url: Callable[[int, str | None], str]) -> str:
        sid = call_sid(form)
        # One connection serves the step's queries: its state, the account, its record (see ivr.database).
        with self.store.held():
            return self._step(sid, form, seq, event_name, url)

    def _step(self, sid: str, form: MultiDict, seq: str | None, event_name: str | None, url) -> str:
        started = time.perf_counter()
        hotline = self.hotline()
        engine = Engine(hotline, self.store, caller=calling_number(form))
        now = self.clock()
        messages = hotline.script.messages
        event = event_from(form, event_name)
        kind = type(event).__name__.lower()
        if event_name == outage.EVENT:
            # The caller answered the outage apology: the agent key and silence are served without the backend.
            handled = outage.answer(engine, hotline, event, called_number(form), now)
            if handled is not None:
                return self._finish(sid, *handled, hotline, url, "outage", started)
            # Any other key tries again: the caller hears their current node once the backend is back.
            seq = None
        try:
            stored = self.store.load_call(sid)
            if stored is None:
                state, reply = engine.restart(called_number(form), now, [messages.restarted])
                kind = "restart"
            else:
                pinned = stored.get("version") if isinstance(stored, dict) else None
                if isinstance(pinned, str) and pinned and pinned != hotline.version:
                    # The call goes on with the prompts and data it started on, whatever was published since.
                    hotline = self.hotline(pinned)
                    engine, messages = Engine(hotline, self.store, caller=calling_number(form)), hotline.script.messages
                try:
                    state = State.from_dict(stored, hotline)
                except StateError as exc:
                    log.warning("call %s: stored state refused (%s); starting again at the main menu", sid, exc)
                    state, reply = engine.restart(called_number(form), now, [messages.restarted])
                    kind = "restart"
                else:
                    if seq != str(state.seq):
                        # A retried or out-of-order request: say the current node again rather than act twice.
                        log.info("call %s: stale step %s (state is at %s)", sid, (seq or "")[:12], state.seq)
                        reply = engine.resume(state, now, [])
                        kind = "stale"
                    elif isinstance(event, Garbled):
                        reply = engine.garbled(state, now)
                    else:
                        reply = engine.step(state, event, now)
        except BackendUnavailable as exc:
            log.warning("call %s: %s; offering the agent", sid, exc)
            state, reply = outage.fresh(engine, called_number(form), now), outage.offer(hotline)
            kind = "outage"
        except Exception:
            # Twilio would say "an application error has occurred" and hang up; apologise and go home instead.
            log.exception("call %s: step failed", sid)
            state, reply = engine.restart(called_number(form), now, [messages.apology])
            kind = "error"
        return self._finish(sid, state, reply, hotline, url, kind, started)

    def _record_if_possible(self, record: StepRecord) -> None:
        """With the call state in Redis, the database may still be up to record the step that went wrong."""
        if self.record is None:
            return
        try:
            self.record(record)
        except BackendUnavailable as exc:
            log.warning("call %s: step not recorded (%s)", record.call_sid, exc)

    def ended(self, form: MultiDict) -> None:
        sid = call_sid(form)
        if form.get("CallStatus") in ("completed", "busy", "failed", "no-answer", "canceled"):
            self.store.end_call(sid)

    def _finish(self, sid: str, state: State, reply: Reply, hotline: Hotline, url, kind: str, started: float) -> str:
        now = self.clock()
        state.version = hotline.version
        record = StepRecord(sid, kind, reply.node, isinstance(reply.then, Hangup), now)
        try:
            # One transaction for the state and the step's record: the step waits for the write lock once, and the
            # records never show a step whose state was lost.
            with self.store.transaction():
                self.store.save_call(sid, state.to_dict(), now)
                if self.record is not None:
                    self.record(record)
        except BackendUnavailable as exc:
            log.warning("call %s: state not saved (%s)", sid, exc)
            # The next step could not go on without the state; a Dial or a Hangup needs none.
            if isinstance(reply.then, Gather):
                reply, kind = outage.offer(hotline), "outage"
                record = StepRecord(sid, kind, reply.node, False, now)
            self._record_if_possible(record)
        # Every answer to the apology (keys or silence) comes back as the outage event.
        event_for = (lambda event: outage.EVENT) if outage.is_offer(reply) else (lambda event: event)
        twiml = render(reply, hotline.script.settings, lambda event: url(state.seq, event_for(event)))
        log.debug("call %s: %s -> %s (%.1f ms)", sid, kind, reply.node, (time.perf_counter() - started) * 1000)
        for observer in self.observers:
            try:
                observer(record)
            except Exception:
                log.exception("call %s: an observer failed", sid)
        return twiml
