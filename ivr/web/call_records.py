"""Call records for operators: each step's node (written with the call's state), each call's outcome and duration."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import MultiDict

from ivr.storage.database import Database
from ivr.storage.lockouts import utc
from ivr.storage.schema import call_steps, calls
from ivr.storage.store import guarded
from ivr.telephony.flow import CALL_SID, StepRecord

log = logging.getLogger("ivr.calllog")

# Twilio's final call statuses; the status callback may also report ringing or in-progress, which end nothing.
OUTCOMES = ("completed", "busy", "failed", "no-answer", "canceled")
SECONDS = re.compile(r"^[0-9]{1,7}$")


def init_app(app) -> None:
    """Record every step of every call, and give the status webhook the call log."""
    log_ = CallLog(app.extensions["ivr.store"].db)
    app.extensions["ivr.calllog"] = log_
    app.extensions["ivr.flow"].record = log_.record


# Built once (see ivr.store).
ADD_STEP = insert(call_steps)
FIND_CALL = select(calls.c.call_sid).where(calls.c.call_sid == bindparam("call_sid"))
ADD_CALL = insert(calls)
FINISH_CALL = update(calls).where(calls.c.call_sid == bindparam("sid")).values(
    finished=bindparam("at"), outcome=bindparam("how"), duration=bindparam("seconds"))


class CallLog:
    def __init__(self, db: Database):
        self.db = db
        dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(db.engine.dialect.name)
        # Where the database can, one statement creates the call's row unless it exists.
        self._open_new = dialect.insert(calls).on_conflict_do_nothing() if dialect else None

    def _open_call(self, conn, call_sid: str, at: dt.datetime) -> None:
        """Create the call's row unless it exists (a retried first request, a state restarted mid-call)."""
        if self._open_new is not None:
            conn.execute(self._open_new, {"call_sid": call_sid, "started": at})
        elif conn.execute(FIND_CALL, {"call_sid": call_sid}).first() is None:
            conn.execute(ADD_CALL, {"call_sid": call_sid, "started": at})

    @guarded
    def record(self, step: StepRecord) -> None:
        at = utc(step.at)
        with self.db.writing() as conn:
            if step.kind in ("start", "restart"):
                self._open_call(conn, step.call_sid, at)
            conn.execute(ADD_STEP, {
                "call_sid": step.call_sid, "at": at, "kind": step.kind[:16], "node": step.node[:64], "ended": step.ended,
            })

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
        with self.db.writing() as conn:
            self._open_call(conn, sid, at)
            conn.execute(FINISH_CALL, {"sid": sid, "at": at, "how": outcome, "seconds": duration})
        return True
