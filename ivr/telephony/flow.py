"""One step of a call, from request parameters to TwiML: shared by the Twilio webhooks and the simulator."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from ivr.core import listening
from ivr.core.engine import Engine
from ivr.core.events import DialEnded, Keys, QueueEnded, Said, Silence
from ivr.core.hotline import Hotline
from ivr.core.replies import Dial, Enqueue, Gather, Hangup, Reply
from ivr.core.state import State, StateError
from ivr.storage.outbox import NotTextable
from ivr.storage.store import BackendUnavailable, Store
from ivr.telephony import outage, sequence
from ivr.telephony.sequence import Stored, fingerprint
from ivr.telephony.twiml import render

log = logging.getLogger("ivr.calls")

CALL_SID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
KEYS = re.compile(r"^[0-9*#]{1,40}$")
PHONE = re.compile(r"^[+0-9A-Za-z:@._-]{0,64}$")
# Twilio's QueueResult values are short lowercase words with hyphens (bridged, leave, queue-full, system-error).
QUEUE_RESULT = re.compile(r"^[a-z-]{1,32}$")
# Far more than any sentence a caller says to a menu; a longer text is not a recogniser's.
SPEECH_LENGTH = 200


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


def agent_leg(form: MultiDict) -> DialEnded:
    """How the agent leg ended, from the <Dial> action's DialCallStatus: completed means the caller talked to the
    agent (the engine then asks for the rating, Engine.agent_leg_ended); busy, no-answer, failed or canceled that
    nobody answered."""
    return DialEnded(answered=form.get("DialCallStatus") == "completed")


def event_from(form: MultiDict, event: str | None):
    if event == "silence":
        return Silence()
    if event == "dial":
        return agent_leg(form)
    if event == "queue":
        results = form.getlist("QueueResult")
        # A missing or garbled result is taken as an error of the queue: the caller is offered what next.
        return QueueEnded(results[0] if len(results) == 1 and QUEUE_RESULT.match(results[0]) else "error")
    values = form.getlist("Digits")
    if len(values) > 1:
        return Garbled()
    digits = values[0] if values else ""
    if digits == "":
        # Twilio treats a lone finishOnKey as no input; words may have come instead of keys.
        return said_from(form)
    return Keys(digits) if KEYS.match(digits) else Garbled()


def said_from(form: MultiDict):
    """Twilio's SpeechResult and Confidence as words said, silence without them, garbled when no recogniser sent them."""
    texts = form.getlist("SpeechResult")
    if not texts or texts == [""]:
        return Silence()
    if len(texts) != 1 or len(texts[0]) > SPEECH_LENGTH or not texts[0].isprintable():
        return Garbled()
    return Said(texts[0], confidence(form.getlist("Confidence")))


def confidence(values: list[str]) -> float:
    """The recogniser's confidence from 0 to 1; anything else counts as none, so that the hotline asks to confirm."""
    try:
        value = float(values[0]) if len(values) == 1 else 0.0
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def step_number(seq: str | None) -> int:
    """The step a request says it answers, as a number (0 when it is garbled)."""
    return int(seq) if seq is not None and seq.isascii() and seq.isdigit() and len(seq) < 10 else 0


@dataclass
class Turn:
    """One webhook request being answered, and the hotline version it is answered with."""

    sid: str
    form: MultiDict
    url: Callable[[int, str | None], str]
    # The request's fingerprint (ivr.telephony.sequence) and the step it says it answers.
    key: str
    asked: int
    hotline: Hotline
    engine: Engine
    now: dt.datetime
    started: float
    # The state's wrong-key and time-out counts before the engine acted, to tell which re-prompt the step gave.
    misses: tuple[int, int] | None = None
    # A simulator's call: its text messages are recorded as they would be sent, never sent.
    simulated: bool = False

    @property
    def called(self) -> str:
        return called_number(self.form)

    @property
    def messages(self):
        return self.hotline.script.messages

    def pin(self, hotline: Hotline) -> None:
        self.hotline, self.engine = hotline, Engine(hotline, self.engine.backend, caller=self.engine.caller)


# StepRecord's fields in the order to_text writes them.
RECORD_FIELDS = ("call_sid", "kind", "node", "ended", "at", "line", "verified", "dialed", "miss", "rating")


@dataclass(frozen=True)
class StepRecord:
    """What one webhook step did, for the call records and observers (metrics, logs); it holds no personal data."""

    call_sid: str
    kind: str  # start, keys, silence, dialended, queueended, garbled, retry, replayed, stale, restart, error, outage
    node: str
    ended: bool
    at: dt.datetime
    # For the operators' figures: the call's line (data/lines.yaml), whether its caller is verified by now, whether the
    # step put the call through to an agent, and the re-prompt it gave ("nomatch" a wrong key, "noinput" a time-out).
    line: str = ""
    verified: bool = False
    dialed: bool = False
    miss: str = ""
    # The caller's rating of the agent's service, on the step that gave it.
    rating: str | None = None

    def to_text(self) -> str:
        """The record as one line of JSON, as it waits in Redis to be written to SQL (ivr.storage.step_buffer)."""
        return json.dumps([self.call_sid, self.kind, self.node, self.ended, self.at.isoformat(), self.line,
                           self.verified, self.dialed, self.miss, self.rating], ensure_ascii=False)

    @classmethod
    def from_text(cls, text: str) -> StepRecord:
        """The record to_text wrote; ValueError for anything else."""
        try:
            fields = dict(zip(RECORD_FIELDS, json.loads(text), strict=True))
            fields["at"] = dt.datetime.fromisoformat(fields["at"])
        except (TypeError, KeyError) as exc:
            raise ValueError(f"not a step record: {exc}") from exc
        return cls(**fields)


class SetClock:
    """The store as a call with its own clock (the simulator's chosen time) sees it: the engine reads the chosen time,
    but wrong passwords are counted at the real time, so that no call with a set clock moves a real caller's lock."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime]):
        self._store = store
        self._clock = clock

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def attempt_password(self, reference: str, keys: str, caller: str, now: dt.datetime, *limits):
        return self._store.attempt_password(reference, keys, caller, self._clock(), *limits)


def _moves_in_queue(reply: Reply, kind: str) -> bool:
    """Whether the step puts the caller into an agents' queue or reports that they left it."""
    return isinstance(reply.then, Enqueue) or kind == "queueended"


def miss_of(before: tuple[int, int] | None, state: State) -> str:
    """Which re-prompt a step gave: a wrong key counted, a time-out counted, or neither."""
    if before is None:
        return ""
    if state.nomatch > before[0]:
        return "nomatch"
    return "noinput" if state.noinput > before[1] else ""


class CallFlow:
    """Loads a call's state, steps the engine, saves the state and renders TwiML.

    Only a new request for the step a live call waits for changes the call (ivr.telephony.sequence): a retry hears
    the same answer again, anything else a short goodbye, and nothing starts an ended call again.
    """

    def __init__(self, hotline: Callable[[], Hotline], store: Store, clock: Callable):
        self.hotline = hotline
        self.store = store
        self.clock = clock
        # Writes each step's record to the call records (ivr.calllog), in the same transaction as the call's state.
        self.record: Callable[[StepRecord], None] | None = None
        # Called after a step's record was buffered in Redis beside its state (ivr.storage.step_buffer), so that
        # the records are moved to SQL soon (ivr.web.call_records starts its flusher).
        self.buffered: Callable[[], None] | None = None
        # Callables given a StepRecord after every step; an observer that fails never breaks the call.
        self.observers: list[Callable[[StepRecord], None]] = []
        # The outbox of text messages (ivr.storage.outbox), written in the step's transaction, and the sender told of
        # each new one once it is committed (ivr.telephony.texting); without them no text is queued.
        self.outbox = None
        self.sender = None

    def _turn(self, form: MultiDict, url, route: str, seq: str | None, event: str | None,
              hotline: Hotline | None = None, now: dt.datetime | None = None) -> Turn:
        hotline = hotline or self.hotline()
        backend = self.store if now is None else SetClock(self.store, self.clock)
        return Turn(call_sid(form), form, url, fingerprint(route, seq, event, form), step_number(seq), hotline,
                    Engine(hotline, backend, caller=calling_number(form)), now or self.clock(), time.perf_counter())

    def incoming(self, form: MultiDict, url: Callable[[int, str | None], str], hotline: Hotline | None = None,
                 now: dt.datetime | None = None) -> str:
        """A new call, on the version served now or on `hotline` (a simulator's preview); its steps stay on it.
        `now` is the time the engine reads for this step (the simulator's chosen one); Twilio's calls never give it."""
        turn = self._turn(form, url, "voice", None, None, hotline, now)
        with self.store.held():
            return self._incoming(turn)

    def _incoming(self, turn: Turn) -> str:
        try:
            stored = Stored.of(self.store.load_call(turn.sid))
            if stored is not None:
                # A retried or replayed first request: the call is under way or over, never started again.
                return self._again(turn, stored)
            state, reply = turn.engine.start(turn.called, turn.now)
            kind = "start"
        except BackendUnavailable as exc:
            log.warning("call %s: %s; offering the agent", turn.sid, exc)
            return self._outage(turn)
        except Exception:
            log.exception("call %s: the welcome failed", turn.sid)
            state, reply = turn.engine.restart(turn.called, turn.now, [turn.messages.apology])
            kind = "error"
        return self._finish(turn, state, reply, kind)

    def step(self, form: MultiDict, seq: str | None, event_name: str | None, url: Callable[[int, str | None], str],
             now: dt.datetime | None = None, simulated: bool = False) -> str:
        turn = self._turn(form, url, "step", seq, event_name, now=now)
        turn.simulated = simulated
        # One connection serves the step's queries: its state, the account, its record (see ivr.database).
        with self.store.held():
            return self._step(turn, seq, event_name)

    def _step(self, turn: Turn, seq: str | None, event_name: str | None) -> str:
        event = event_from(turn.form, event_name)
        try:
            stored = Stored.of(self.store.load_call(turn.sid))
            if stored is not None and not stored.waits_for(turn.key, seq):
                return self._again(turn, stored)
            state, reply, kind = self._advance(turn, stored, event, event_name)
        except BackendUnavailable as exc:
            log.warning("call %s: %s; offering the agent", turn.sid, exc)
            return self._without_backend(turn, event, event_name)
        except Exception:
            # Twilio would say "an application error has occurred" and hang up; apologise and go home instead.
            log.exception("call %s: step failed", turn.sid)
            state, reply = turn.engine.restart(turn.called, turn.now, [turn.messages.apology])
            kind = "error"
        return self._finish(turn, state, reply, kind)

    def current(self, form: MultiDict, route: str) -> tuple[Turn, State | None]:
        """The call's state as stored, read without stepping it (None for a call that ended, or none of ours); for
        requests that change no call's place, such as the wait URL of an agents' queue. Call inside store.held()."""
        turn = self._turn(form, lambda seq, event: "", route, None, None)
        stored = Stored.of(self.store.load_call(turn.sid))
        if stored is None or stored.ended:
            return turn, None
        try:
            return turn, self._restore(turn, stored)
        except StateError:
            return turn, None

    def _restore(self, turn: Turn, stored: Stored) -> State:
        """The stored engine state, with the prompts and data the call started on; StateError if it is refused."""
        raw = stored.state
        pinned = raw.get("version") if isinstance(raw, dict) else None
        if isinstance(pinned, str) and pinned and pinned != turn.hotline.version:
            # The call goes on with the prompts and data it started on, whatever was published since.
            turn.pin(self.hotline(pinned))
        return State.from_dict(raw, turn.hotline)

    def _advance(self, turn: Turn, stored: Stored | None, event, event_name: str | None) -> tuple[State, Reply, str]:
        """The new request for the current step: the engine acts on it."""
        if stored is None:
            state, reply = turn.engine.restart(turn.called, turn.now, [turn.messages.restarted])
            return state, reply, "restart"
        try:
            state = self._restore(turn, stored)
        except StateError as exc:
            log.warning("call %s: stored state refused (%s); starting again at the main menu", turn.sid, exc)
            state, reply = turn.engine.restart(turn.called, turn.now, [turn.messages.restarted])
            return state, reply, "restart"
        if event_name == outage.EVENT:
            # The backend is back: the agent key and silence mean what the apology said; any other key hears the
            # caller's current node again.
            reply = outage.answer(turn.engine, turn.hotline, event, state, turn.called, turn.now)
            return (state, reply, "outage") if reply is not None else (state, turn.engine.resume(state, turn.now, []), "retry")
        turn.misses = (state.nomatch, state.noinput)
        if isinstance(event, Garbled):
            return state, turn.engine.garbled(state, turn.now), "garbled"
        return state, turn.engine.step(state, event, turn.now), type(event).__name__.lower()

    def _again(self, turn: Turn, stored: Stored) -> str:
        """A request that may not change the call: a retry of the last answer, or an old, altered or ended one."""
        if turn.key == stored.answered:
            if stored.twiml is not None:
                return self._told(turn, "replayed", "", stored.twiml)
            if not stored.ended:
                # The answer held personal data and was not kept: say the caller's current node again, unchanged.
                state = self._restore(turn, stored)
                seq = state.seq
                reply = listening.listen(turn.hotline, state, turn.engine.resume(state, turn.now, []))
                reply = turn.engine.paced(state, reply)
                return self._told(turn, "replayed", reply.node, self._render(turn, reply, seq))
        log.info("call %s: refused a request for step %s of a call that %s", turn.sid, turn.asked,
                 "ended" if stored.ended else "is elsewhere")
        reply = Reply((turn.messages.goodbye,), Hangup(), "stale")
        return self._told(turn, "stale", reply.node, self._render(turn, reply, turn.asked))

    def _without_backend(self, turn: Turn, event, event_name: str | None) -> str:
        """The backend is down: the apology, or the caller's answer to it (the agent, or goodbye) when it can be given."""
        if event_name == outage.EVENT:
            state = outage.fresh(turn.engine, turn.called, turn.now)
            reply = outage.answer(turn.engine, turn.hotline, event, state, turn.called, turn.now)
            if reply is not None:
                return self._unsaved(turn, reply, "outage", self._render(turn, reply, turn.asked))
        return self._outage(turn)

    def _outage(self, turn: Turn) -> str:
        reply = outage.offer(turn.hotline, turn.called, turn.now)
        return self._unsaved(turn, reply, "outage", self._render(turn, reply, turn.asked))

    def _unsaved(self, turn: Turn, reply: Reply, kind: str, twiml: str) -> str:
        """An answer given without the backend: nothing is stored, so the caller's place is kept for when it is back."""
        self._record_if_possible(StepRecord(turn.sid, kind, reply.node, isinstance(reply.then, Hangup), self.clock()))
        return self._told(turn, kind, reply.node, twiml, ended=isinstance(reply.then, Hangup))

    def _render(self, turn: Turn, reply: Reply, seq: int) -> str:
        # Every answer to the apology (keys or silence) comes back as the outage event, for the step it was said at.
        event_for = (lambda event: outage.EVENT) if outage.is_offer(reply) else (lambda event: event)
        return render(reply, turn.hotline.script.settings, lambda event: turn.url(seq, event_for(event)))

    def _told(self, turn: Turn, kind: str, node: str, twiml: str, ended: bool = False) -> str:
        """Tell the observers about an answer that stored nothing, and return it."""
        self._observe(StepRecord(turn.sid, kind, node, ended, self.clock()), turn.started)
        return twiml

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
            # The state is forgotten; only the fact that the call ended is kept, so no replay can start it again.
            self.store.save_call(sid, sequence.ended(), self.clock())
            self.store.queue_callers.left(sid)

    def _finish(self, turn: Turn, state: State, reply: Reply, kind: str) -> str:
        now = self.clock()
        state.version = turn.hotline.version
        reply = turn.engine.paced(state, listening.listen(turn.hotline, state, reply))
        ended = isinstance(reply.then, Hangup)
        twiml = self._render(turn, reply, state.seq)
        if ended:
            stored = sequence.ended(turn.key, twiml)
        else:
            # A verified caller's answers may hold their balance or payments: those are not kept, only recomputed.
            keep = state.verified is None and not reply.personal
            stored = sequence.live(state.to_dict(), turn.key, twiml if keep else None)
        record = StepRecord(turn.sid, kind, reply.node, ended, now, state.line, state.verified is not None,
                            isinstance(reply.then, Dial), miss_of(turn.misses, state), reply.rating)
        queued = None
        try:
            if self.store.steps is not None and self.record is not None:
                queued = self._save_with_buffered_record(turn, state, stored, reply, kind, record, now)
            else:
                # One transaction for the state, the step's record and any text it asked for: the step waits for
                # the write lock once, the records never show a step whose state was lost, and no text is lost or
                # doubled.
                with self.store.transaction():
                    self.store.save_call(turn.sid, stored, now)
                    self._queue_record(turn.sid, reply, kind, now)
                    if self.record is not None:
                        self.record(record)
                    queued = self._queue_text(turn, state, reply, now)
        except BackendUnavailable as exc:
            log.warning("call %s: state not saved (%s)", turn.sid, exc)
            # The next step could not go on without the state; a Dial or a Hangup needs none.
            if isinstance(reply.then, Gather):
                reply, kind = outage.offer(turn.hotline, turn.called, now), "outage"
                record = StepRecord(turn.sid, kind, reply.node, False, now)
                twiml = self._render(turn, reply, turn.asked)
            self._record_if_possible(record)
            queued = None
        if queued is not None and not turn.simulated:
            self.sender.notify(queued)
        self._observe(record, turn.started)
        return twiml

    def _save_with_buffered_record(self, turn: Turn, state: State, stored: dict, reply: Reply, kind: str,
                                   record: StepRecord, now: dt.datetime) -> int | None:
        """With the call state in Redis: the step's SQL rows (a queue place, a text), if it has any, in one
        transaction; then the state and the step's record together in one Redis round trip. A menu key takes no SQL
        connection at all."""
        queued = None
        if self._writes_sql(state, reply, kind):
            with self.store.transaction():
                self._queue_record(turn.sid, reply, kind, now)
                queued = self._queue_text(turn, state, reply, now)
        self.store.save_call_and_record(turn.sid, stored, now, record.to_text())
        if self.buffered is not None:
            self.buffered()
        return queued

    def _writes_sql(self, state: State, reply: Reply, kind: str) -> bool:
        """Whether the step has rows of its own to write: a place in an agents' queue, or a text to send."""
        return self._asks_text(state, reply) or _moves_in_queue(reply, kind)

    def _asks_text(self, state: State, reply: Reply) -> bool:
        """A text the verified caller asked for, which this flow can queue."""
        return reply.text is not None and self.outbox is not None and state.verified is not None

    def _queue_text(self, turn: Turn, state: State, reply: Reply, now: dt.datetime) -> int | None:
        """Write the text the caller asked for to the outbox, from the number of the line called."""
        if not self._asks_text(state, reply):
            return None
        numbers = turn.hotline.lines.lines[state.line].numbers
        sender = turn.called if turn.called in numbers else numbers[0]
        try:
            return self.outbox.add(turn.sid, state.verified, reply.text.body, sender, now, turn.simulated)
        except NotTextable as exc:
            # The engine saw a registered mobile; one that cannot be read now (another key) is not the caller's fault.
            log.warning("call %s: text not queued: %s", turn.sid, exc)
            return None

    def _queue_record(self, sid: str, reply: Reply, kind: str, now: dt.datetime) -> None:
        """Keep our record of who waits in the agents' queues in step with the call (ivr.storage.agents)."""
        if not _moves_in_queue(reply, kind):
            return
        if isinstance(reply.then, Enqueue):
            self.store.queue_callers.joined(sid, reply.then.queue, now)
        else:
            self.store.queue_callers.left(sid)

    def _observe(self, record: StepRecord, started: float) -> None:
        log.debug("call %s: %s -> %s (%.1f ms)", record.call_sid, record.kind, record.node,
                  (time.perf_counter() - started) * 1000)
        for observer in self.observers:
            try:
                observer(record)
            except Exception:
                log.exception("call %s: an observer failed", record.call_sid)
