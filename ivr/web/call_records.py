"""Call records for operators: each step's node (written with the call's state), each call's outcome and duration."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
import weakref

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import MultiDict

from ivr.storage.database import CopiedRows, Database, DriverStatement
from ivr.storage.lockouts import utc
from ivr.storage.schema import call_steps, callbacks, calls, texts
from ivr.storage.store import BackendUnavailable, Store, guarded
from ivr.telephony.flow import CALL_SID, StepRecord

log = logging.getLogger("ivr.calllog")

# Twilio's final call statuses; the status callback may also report ringing or in-progress, which end nothing.
OUTCOMES = ("completed", "busy", "failed", "no-answer", "canceled")
SECONDS = re.compile(r"^[0-9]{1,7}$")
# The web simulator's CallSids begin so (Twilio's begin with CA): its calls are tagged and left out of the totals.
SIMULATOR_PREFIX = "SIM"


def init_app(app) -> None:
    """Record every step of every call, and give the status webhook the call log."""
    store = app.extensions["ivr.store"]
    log_ = CallLog(store.db, retention(app.config), app.config["CLOCK"], store)
    app.extensions["ivr.calllog"] = log_
    flow = app.extensions["ivr.flow"]
    flow.record = log_.record
    if store.steps is not None:
        flow.buffered = log_.flusher.wake
        # Records a stopped process left in Redis are moved by this one.
        try:
            if store.steps.pending():
                log_.flusher.wake()
        except Exception as exc:
            log.warning("buffered step records not looked at: %s", exc)


def retention(config) -> dt.timedelta:
    """How long call records are kept (IVR_RETENTION_DAYS); a setting that is not a whole number above 0 is refused."""
    raw = str(config.get("IVR_RETENTION_DAYS", "90")).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"IVR_RETENTION_DAYS must be a whole number of days above 0, not {raw!r}")
    return dt.timedelta(days=int(raw))


# Built once (see ivr.store).
ADD_STEP = insert(call_steps)
STEP_COLUMNS = ["call_sid", "at", "kind", "node", "ended", "miss"]
FIND_CALL = select(calls.c.call_sid).where(calls.c.call_sid == bindparam("call_sid"))
ADD_CALL = insert(calls)
PURGE_CALLS = delete(calls).where(calls.c.started < bindparam("before"))
PURGE_STEPS = delete(call_steps).where(call_steps.c.at < bindparam("before"))
# Texts hold what callers heard (a balance): kept as long as the call records, then deleted with them.
PURGE_TEXTS = delete(texts).where(texts.c.created < bindparam("before"))
# A call back holds the caller's number: it goes once it has been done for the retention period. An open one stays
# however old, since a caller is still owed the call.
PURGE_CALLBACKS = delete(callbacks).where(callbacks.c.done < bindparam("before"))
# Call records are purged at most this often by one process while it serves calls.
PURGE_EVERY = dt.timedelta(days=1)
RATE_CALL = update(calls).where(calls.c.call_sid == bindparam("sid")).values(rating=bindparam("rating"),
                                                                            rated=bindparam("at"))
FINISH_CALL = update(calls).where(calls.c.call_sid == bindparam("sid")).values(
    finished=bindparam("at"), outcome=bindparam("how"), duration=bindparam("seconds"))
STARTED = select(calls.c.started).where(calls.c.call_sid == bindparam("sid"))
IDENTIFIED = update(calls).where(calls.c.call_sid == bindparam("sid"), calls.c.identified.is_(False)).values(identified=True)
TRANSFERRED = update(calls).where(calls.c.call_sid == bindparam("sid"), calls.c.transferred.is_(None)).values(
    transferred=bindparam("at"))


# The key of a call's end as it waits in Redis with the steps: {"finished": [CallSid, outcome, seconds, ISO time]}.
ENDED = "finished"


def _ended(text: str) -> tuple[str, str, int | None, dt.datetime] | None:
    """A call's end as CallLog.finished buffered it, or None for any other record; ValueError if it is garbled."""
    if not text.startswith('{"' + ENDED):
        return None
    try:
        sid, outcome, duration, at = json.loads(text)[ENDED]
        return str(sid), str(outcome), None if duration is None else int(duration), utc(dt.datetime.fromisoformat(at))
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"not a call's end: {exc}") from exc


class Flusher:
    """Moves the step records buffered in Redis to SQL about every second, in a thread started by the first step
    that buffers one. The thread ends once the store is closed (a later step starts it again) or the call log is
    gone, so that apps that are done with leave no thread polling Redis."""

    def __init__(self, call_log: CallLog, every: float = 1.0):
        self._call_log = weakref.ref(call_log)
        self.every = every
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def wake(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ivr-step-records", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        idle = 0
        while True:
            time.sleep(self.every)
            call_log = self._call_log()
            if call_log is None or call_log.store is None or call_log.store.closed:
                return
            try:
                # Another process's flush in progress is left to finish what is waiting.
                idle = 0 if call_log.flush(wait=0) else idle + 1
            except BackendUnavailable as exc:
                # The records wait in Redis; they are moved once the database is back.
                log.warning("step records not moved to the database yet: %s", exc)
            except Exception:
                log.exception("step records not moved to the database")
            del call_log
            # A process whose calls have all ended stops polling; its next buffered step wakes it.
            if idle >= 60:
                return


class CallLog:
    def __init__(self, db: Database, keep: dt.timedelta = dt.timedelta(days=90), clock=None,
                 store: Store | None = None):
        self.db = db
        # The store whose Redis buffers step records (ivr.storage.step_buffer), and what moves them to SQL.
        self.store = store
        self.flusher = Flusher(self)
        # Records older than `keep` are deleted (data minimisation): at start-up, then daily as new calls come in.
        self.keep = keep
        self._purged: dt.datetime | None = None
        if clock is not None:
            self._purge_if_due(clock())
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(db.engine.dialect.name)
        # Where the database can, one statement creates the call's row unless it exists.
        self._open_new = dialect.insert(calls).on_conflict_do_nothing() if dialect else None
        # Every step adds a row: on SQLite, on the driver directly (ivr.storage.database.DriverStatement).
        self._add_step = (DriverStatement(ADD_STEP, db.engine, STEP_COLUMNS)
                          if db.engine.dialect.name == "sqlite" else None)
        # A batch of steps moved from Redis to PostgreSQL: one COPY (ivr.storage.database.CopiedRows).
        self._copy_steps = CopiedRows(call_steps.name, STEP_COLUMNS) if CopiedRows.fits(db.engine) else None

    def _open_call(self, conn, call_sid: str, at: dt.datetime, line: str | None = None) -> None:
        """Create the call's row unless it exists (a retried first request, a state restarted mid-call)."""
        self._open_calls(conn, [self._call_row(call_sid, at, line)])

    @staticmethod
    def _call_row(call_sid: str, at: dt.datetime, line: str | None) -> dict:
        return {"call_sid": call_sid, "started": at, "line": (line or None) and line[:32],
                "simulated": call_sid.startswith(SIMULATOR_PREFIX)}

    def _open_calls(self, conn, rows: list[dict]) -> None:
        if self._open_new is not None:
            conn.execute(self._open_new, rows)
            return
        for row in rows:
            if conn.execute(FIND_CALL, {"call_sid": row["call_sid"]}).first() is None:
                conn.execute(ADD_CALL, row)

    @guarded
    def purge(self, now: dt.datetime) -> tuple[int, int]:
        """Delete the calls started, the steps taken, the texts asked for and the call backs done before the retention
        period; returns how many calls and steps."""
        before = utc(now - self.keep)
        with self.db.writing() as conn:
            steps = conn.execute(PURGE_STEPS, {"before": before}).rowcount
            gone = conn.execute(PURGE_CALLS, {"before": before}).rowcount
            conn.execute(PURGE_TEXTS, {"before": before})
            conn.execute(PURGE_CALLBACKS, {"before": before})
        self._purged = now
        return gone, steps

    def _purge_if_due(self, now: dt.datetime) -> None:
        if self._purged is not None and now - self._purged < PURGE_EVERY:
            return
        try:
            gone, steps = self.purge(now)
        except Exception:
            # Purging is housekeeping: a failure is logged and tried again with the next call, never the caller's.
            log.exception("call records older than %s days were not purged", self.keep.days)
            return
        if gone or steps:
            log.info("purged %d calls and %d steps older than %d days", gone, steps, self.keep.days)

    @guarded
    def record(self, step: StepRecord) -> None:
        self._write([step])

    def _write(self, steps: list[StepRecord]) -> None:
        """Write steps in the order taken: the calls they open, their rows, then what they tell of their calls."""
        started = [step.at for step in steps if step.kind == "start"]
        if started:
            self._purge_if_due(max(started))
        with self.db.writing() as conn:
            opened = [self._call_row(step.call_sid, utc(step.at), step.line) for step in steps
                      if step.kind in ("start", "restart")]
            if opened:
                self._open_calls(conn, opened)
            self._add_steps(conn, steps)
            self._tell_calls(conn, steps)

    def _add_steps(self, conn, steps: list[StepRecord]) -> None:
        rows = [{"call_sid": step.call_sid, "at": utc(step.at), "kind": step.kind[:16], "node": step.node[:64],
                 "ended": step.ended, "miss": step.miss[:8] or None} for step in steps]
        if self._add_step is not None and len(rows) == 1:
            self._add_step.run(conn, rows[0])
        elif self._copy_steps is not None and len(rows) > 1:
            self._copy_steps.run(conn, rows)
        else:
            # Many rows on SQLite (or a PostgreSQL driver other than psycopg): one executemany.
            conn.execute(ADD_STEP, rows)

    @staticmethod
    def _tell_calls(conn, steps: list[StepRecord]) -> None:
        """What the steps tell of their calls: identified, put through to an agent, rated."""
        identified = list(dict.fromkeys(step.call_sid for step in steps if step.verified))
        if identified:
            conn.execute(IDENTIFIED, [{"sid": sid} for sid in identified])
        for step in steps:
            if step.dialed:
                conn.execute(TRANSFERRED, {"sid": step.call_sid, "at": utc(step.at)})
            if step.rating is not None:
                conn.execute(RATE_CALL, {"sid": step.call_sid, "rating": step.rating[:16], "at": utc(step.at)})

    def flush(self, wait: float = 2.0) -> int:
        """Move the step records buffered in Redis to SQL, so that what reads the call records next finds every step
        taken so far; returns how many were moved (0 without Redis)."""
        if self.store is None:
            return 0
        return self.store.flush_steps(self.write_batch, wait)

    @guarded
    def write_batch(self, texts: list[str]) -> None:
        """Write buffered records in one transaction, in the order they were taken: steps (StepRecord.to_text), a
        batch of them at a time, and calls' ends (finished). One that cannot be read is dropped."""
        steps: list[StepRecord] = []
        with self.db.held(), self.db.writing():
            for text in texts:
                try:
                    end = _ended(text)
                    if end is None:
                        steps.append(StepRecord.from_text(text))
                        continue
                except ValueError as exc:
                    log.error("a buffered call record was dropped: %s", exc)
                    continue
                if steps:
                    self._write(steps)
                    steps = []
                self._end_call(*end)
            if steps:
                self._write(steps)

    @guarded
    def finished(self, form: MultiDict, now: dt.datetime) -> bool:
        """Record Twilio's status callback: the outcome and, when given, the duration in seconds.

        With Redis, the call's steps may still wait there (ivr.storage.step_buffer): the end joins them on the same
        list, so it is written after them, in the same batch or a later one, and the callback takes no SQL connection.
        """
        sid = form.get("CallSid", "")
        outcome = form.get("CallStatus", "")
        if not CALL_SID.match(sid) or outcome not in OUTCOMES:
            return False
        raw = form.get("CallDuration", "")
        duration = int(raw) if SECONDS.match(raw) else None
        if self.store is not None and self.store.steps is not None:
            self.store.buffer_record(json.dumps({ENDED: [sid, outcome, duration, now.isoformat()]}))
            self.flusher.wake()
            return True
        self._end_call(sid, outcome, duration, utc(now))
        return True

    def _end_call(self, sid: str, outcome: str, duration: int | None, at: dt.datetime) -> None:
        with self.db.writing() as conn:
            self._open_call(conn, sid, at)
            if duration is None and sid.startswith(SIMULATOR_PREFIX):
                # The simulator has no carrier to time the call: it lasted from its first step to now.
                started = conn.execute(STARTED, {"sid": sid}).scalar_one()
                duration = max(0, round((at - started).total_seconds()))
            conn.execute(FINISH_CALL, {"sid": sid, "at": at, "how": outcome, "seconds": duration})
