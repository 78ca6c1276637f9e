"""The outbox of text messages: each one written with the step that asked for it, then claimed, sent and recorded by
a sender in the background (ivr.telephony.texting). The table is the record: whatever happens to a process, a text is
pending, being sent, sent with Twilio's message SID, or failed with the error, never silently gone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select, update

from ivr.storage.database import Database
from ivr.storage.lockouts import utc
from ivr.storage.passwords import Passwords
from ivr.storage.schema import accounts, texts
from ivr.storage.store import guarded

PENDING, SENDING, SENT, FAILED, SIMULATED = "pending", "sending", "sent", "failed", "simulated"
STATUSES = (PENDING, SENDING, SENT, FAILED, SIMULATED)

SEALED_MOBILE = select(accounts.c.mobile_sealed, accounts.c.id_number).where(accounts.c.id_hash == bindparam("ref"))
CLAIM = update(texts).where(texts.c.id == bindparam("text_id"), texts.c.status == PENDING).values(
    status=SENDING, updated=bindparam("at"))
ONE = select(texts).where(texts.c.id == bindparam("text_id"))


class NotTextable(Exception):
    """The account has no registered mobile that can be read, or the text would carry its ID number."""


@dataclass(frozen=True)
class Outgoing:
    """A claimed text, ready for the Messages API."""

    id: int
    to: str
    sender: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Sent:
    """One text as the operators and the simulator see it: the number masked, the body and the result."""

    id: int
    call_sid: str
    to: str
    body: str
    status: str
    attempts: int
    message_sid: str | None
    error_code: int | None
    error: str | None


def masked(number: str) -> str:
    """A mobile number as it may be shown or logged: only its last four digits."""
    return "*" * max(0, len(number) - 4) + number[-4:]


class Outbox:
    def __init__(self, db: Database, passwords: Passwords):
        self.db = db
        self.passwords = passwords

    @guarded
    def add(self, call_sid: str, reference: str, body: str, sender: str, now: dt.datetime, simulated: bool) -> int:
        """Write a text to the account's registered mobile; inside the step's transaction when there is one."""
        at = utc(now)
        with self.db.writing() as conn:
            row = conn.execute(SEALED_MOBILE, {"ref": reference}).first()
            if row is None or not row.mobile_sealed or self.passwords.unseal(row.mobile_sealed) is None:
                raise NotTextable("the account has no registered mobile that can be read")
            if row.id_number in body:
                # The templates hold no ID number; this stops one that an operator's edit might let through.
                raise NotTextable("the text would carry the ID number")
            return conn.execute(insert(texts).values(
                call_sid=call_sid, to_sealed=row.mobile_sealed, from_number=sender, body=body,
                status=SIMULATED if simulated else PENDING, attempts=0, created=at, updated=at,
            )).inserted_primary_key[0]

    @guarded
    def claim(self, text_id: int, now: dt.datetime) -> Outgoing | None:
        """Take a pending text for sending; None when it is not pending (sent, failed, or another sender has it)."""
        with self.db.writing() as conn:
            if conn.execute(CLAIM, {"text_id": text_id, "at": utc(now)}).rowcount != 1:
                return None
            row = conn.execute(ONE, {"text_id": text_id}).first()
        to = self.passwords.unseal(row.to_sealed)
        if to is None:
            self.failed(text_id, None, "the registered mobile cannot be read with this key", now)
            return None
        return Outgoing(row.id, to, row.from_number, row.body, row.attempts)

    @guarded
    def sent(self, text_id: int, message_sid: str, now: dt.datetime) -> None:
        self._finish(text_id, SENT, now, message_sid=message_sid[:64], error_code=None, error=None)

    @guarded
    def failed(self, text_id: int, code: int | None, error: str, now: dt.datetime) -> None:
        self._finish(text_id, FAILED, now, error_code=code, error=error[:200])

    @guarded
    def retrying(self, text_id: int, code: int | None, error: str, now: dt.datetime) -> None:
        """An attempt failed in a way that may pass (429, 5xx, the network): counted, and the text stays claimed."""
        self._finish(text_id, SENDING, now, error_code=code, error=error[:200])

    def _finish(self, text_id: int, status: str, now: dt.datetime, **values) -> None:
        with self.db.writing() as conn:
            conn.execute(update(texts).where(texts.c.id == text_id).values(
                status=status, attempts=texts.c.attempts + 1, updated=utc(now), **values))

    @guarded
    def stranded(self, now: dt.datetime, pending_for: dt.timedelta, sending_for: dt.timedelta) -> list[int]:
        """Texts no sender took (a queue that was down) or whose sender died mid-way, made pending again."""
        with self.db.writing() as conn:
            conn.execute(update(texts).where(texts.c.status == SENDING, texts.c.updated < utc(now - sending_for))
                         .values(status=PENDING))
            return list(conn.execute(select(texts.c.id).where(
                texts.c.status == PENDING, texts.c.updated < utc(now - pending_for)).order_by(texts.c.id)).scalars())

    @guarded
    def of_call(self, call_sid: str) -> list[Sent]:
        with self.db.reading() as conn:
            rows = conn.execute(select(texts).where(texts.c.call_sid == call_sid).order_by(texts.c.id)).all()
        return [self._shown(row) for row in rows]

    def _shown(self, row) -> Sent:
        number = self.passwords.unseal(row.to_sealed) or ""
        return Sent(row.id, row.call_sid, masked(number), row.body, row.status, row.attempts, row.message_sid,
                    row.error_code, row.error)

    @guarded
    def counts(self, since: dt.datetime) -> dict[str, int]:
        """Texts asked for since `since`, by status, for the operator page."""
        with self.db.reading() as conn:
            return dict(conn.execute(select(texts.c.status, func.count()).where(texts.c.created >= utc(since))
                                     .group_by(texts.c.status)).all())
