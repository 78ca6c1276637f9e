"""Wrong passwords per ID and per calling number, counted so that simultaneous attempts cannot overrun the limit.

Every attempt first takes a place under each limit that applies (the ID's and the calling number's) in one statement
per limit: an upsert that adds one to the row's count only while the count is below the limit, or starts a new window
when the old one has passed. The database makes concurrent upserts of one row take turns (PostgreSQL locks the row,
SQLite has one writer), so of N simultaneous attempts at most `attempts` get a place; the rest are refused before
any password is checked. A right password then gives its places back (the ID's count is cleared, the number's place
returned); a wrong one keeps them, and the one that fills the ID's last place locks it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.storage.database import Database
from ivr.storage.schema import locks, password_guards


def utc(moment: dt.datetime) -> dt.datetime:
    """Naive UTC, the one form every database here stores the same way."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Place:
    """One attempt's place under one limit: the subject and the count it made (1 for the first in a window)."""

    subject: str
    count: int


class Refused(Exception):
    """An attempt found a limit full; raised inside the transaction so that the places it took are given back."""

    def __init__(self, subject: str):
        super().__init__(subject)
        self.subject = subject


def _upsert(dialect):
    """Add one failure to a subject's row unless its window is full: returns the new count, or no row if full."""
    guards = password_guards
    stmt = dialect.insert(guards).values(subject=bindparam("who"), failures=1, since=bindparam("now"))
    expired = guards.c.since < bindparam("start")
    return stmt.on_conflict_do_update(
        index_elements=[guards.c.subject],
        set_={
            "failures": case((expired, 1), else_=guards.c.failures + 1),
            "since": case((expired, stmt.excluded.since), else_=guards.c.since),
        },
        where=or_(expired, guards.c.failures < bindparam("limit")),
    ).returning(guards.c.failures)


# Built once (see ivr.storage.store).
TAKE = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}
GIVE_BACK = update(password_guards).where(
    password_guards.c.subject == bindparam("who"), password_guards.c.failures > 0,
).values(failures=password_guards.c.failures - 1)
CLEAR = delete(password_guards).where(password_guards.c.subject == bindparam("who"))
COUNT = select(password_guards.c.failures).where(
    password_guards.c.subject == bindparam("who"), password_guards.c.since >= bindparam("start"))
LOCKED = select(locks.c.subject).where(locks.c.subject == bindparam("who"))
LOCK = {name: dialect.insert(locks).values(subject=bindparam("who"), at=bindparam("at")).on_conflict_do_nothing()
        for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
UNLOCK = delete(locks).where(locks.c.subject == bindparam("who"))


class Guards:
    """The counts and locks in SQL, on PostgreSQL or SQLite."""

    def __init__(self, db: Database):
        self.db = db
        dialect = db.engine.dialect.name
        if dialect not in TAKE:
            raise RuntimeError(f"password limits need PostgreSQL or SQLite, not {dialect}")
        self._take, self._lock = TAKE[dialect], LOCK[dialect]

    def take(self, limits: list[tuple[str, int, dt.timedelta]], now: dt.datetime) -> list[Place]:
        """A place under every (subject, attempts, window), or none at all: raises Refused naming the full one."""
        places = []
        with self.db.writing() as conn:
            for subject, attempts, window in limits:
                count = conn.execute(self._take, {
                    "who": subject, "now": utc(now), "start": utc(now - window), "limit": attempts,
                }).scalar()
                if count is None:
                    raise Refused(subject)
                places.append(Place(subject, count))
        return places

    def give_back(self, place: Place) -> None:
        with self.db.writing() as conn:
            conn.execute(GIVE_BACK, {"who": place.subject})

    def clear(self, subject: str) -> None:
        with self.db.writing() as conn:
            conn.execute(CLEAR, {"who": subject})

    def count(self, subject: str, since: dt.datetime) -> int:
        with self.db.reading() as conn:
            return conn.execute(COUNT, {"who": subject, "start": utc(since)}).scalar() or 0

    def is_locked(self, subject: str) -> bool:
        with self.db.reading() as conn:
            return conn.execute(LOCKED, {"who": subject}).first() is not None

    def lock(self, subject: str, now: dt.datetime) -> bool:
        """Lock the subject; True if this call locked it, False if it already was."""
        with self.db.writing() as conn:
            return conn.execute(self._lock, {"who": subject, "at": utc(now)}).rowcount > 0

    def unlock(self, subject: str) -> bool:
        with self.db.writing() as conn:
            return conn.execute(UNLOCK, {"who": subject}).rowcount > 0
