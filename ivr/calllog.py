"""Call records for the operators: every step's node (a CallFlow observer) and each call's outcome and duration."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from werkzeug.datastructures import MultiDict

from .calls import CALL_SID, StepRecord
from .lockouts import utc
from .schema import call_steps, calls
from .store import guarded

log = logging.getLogger("ivr.calllog")

# Twilio's final call statuses; the status callback may also report ringing or in-progress, which end nothing.
OUTCOMES = ("completed", "busy", "failed", "no-answer", "canceled")
SECONDS = re.compile(r"^[0-9]{1,7}$")


def init_app(app) -> None:
    """Record every step of every call, and give the status webhook the call log."""
    log_ = CallLog(app.extensions["ivr.store"].engine)
    app.extensions["ivr.calllog"] = log_
    app.extensions["ivr.flow"].observers.append(log_.observe)


class CallLog:
    def __init__(self, engine: Engine):
        self.engine = engine
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(engine.dialect.name)
        self._insert_new = dialect.insert if dialect else None

    def _open_call(self, conn, call_sid: str, at: dt.datetime) -> None:
        """Create the call's row unless it exists (a retried first request, a state restarted mid-call)."""
        if self._insert_new is not None:
            conn.execute(self._insert_new(calls).values(call_sid=call_sid, started=at).on_conflict_do_nothing())
        elif conn.execute(select(calls.c.call_sid).where(calls.c.call_sid == call_sid)).first() is None:
            conn.execute(insert(calls).values(call_sid=call_sid, started=at))

    @guarded
    def observe(self, step: StepRecord) -> None:
        at = utc(step.at)
        with self.engine.begin() as conn:
            if step.kind in ("start", "restart"):
                self._open_call(conn, step.call_sid, at)
            conn.execute(insert(call_steps).values(
                call_sid=step.call_sid, at=at, kind=step.kind[:16], node=step.node[:64], ended=step.ended,
            ))

    @guarded
    def finished(self, form: MultiDict, now: dt.datetime) -> bool:
        """Record Twilio's status callback: the outcome and, when given, the duration in seconds."""
        sid = form.get("CallSid", "")
        outcome = form.get("CallStatus", "")
        if not CALL_SID.match(sid) or outcome not in OUTCOMES:
            return False
        raw = form.get("CallDuration", "")
        duration = int(raw) if SECONDS.match(raw) else None
        at = utc(now)
        with self.engine.begin() as conn:
            self._open_call(conn, sid, at)
            conn.execute(update(calls).where(calls.c.call_sid == sid).values(finished=at, outcome=outcome, duration=duration))
        return True
