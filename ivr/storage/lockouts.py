"""Counting wrong passwords within the lockout window: in SQL, or in Redis where every process sees them at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from redis import Redis
from sqlalchemy import bindparam, delete, func, insert, select

from ivr.storage.database import Database
from ivr.storage.schema import password_failures


def utc(moment: dt.datetime) -> dt.datetime:
    """Naive UTC, the one form every database here stores the same way."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


# Built once (see ivr.store).
ADD = insert(password_failures)
COUNT = select(func.count()).select_from(password_failures).where(
    password_failures.c.id_number == bindparam("id_number"), password_failures.c.at >= bindparam("since"))
CLEAR = delete(password_failures).where(password_failures.c.id_number == bindparam("id_number"))


class SqlFailures:
    """Wrong passwords as rows; old rows are cleared when the password is right or the ID is unlocked."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, id_number: str, now: dt.datetime, window: dt.timedelta) -> int:
        """Count one wrong password and return how many fell within the window."""
        with self.db.writing() as conn:
            conn.execute(ADD, {"id_number": id_number, "at": utc(now)})
            return conn.execute(COUNT, {"id_number": id_number, "since": utc(now - window)}).scalar_one()

    def since(self, id_number: str, since: dt.datetime) -> int:
        with self.db.reading() as conn:
            return conn.execute(COUNT, {"id_number": id_number, "since": utc(since)}).scalar_one()

    def clear(self, id_number: str) -> None:
        with self.db.writing() as conn:
            conn.execute(CLEAR, {"id_number": id_number})


class RedisFailures:
    """Wrong passwords as a sorted set per ID (scored by time) that expires when the window has passed."""

    def __init__(self, redis: Redis, prefix: str):
        self.redis = redis
        self.prefix = prefix

    def key(self, id_number: str) -> str:
        # Keys show up in MONITOR, SLOWLOG and memory reports, so they carry a digest, never the ID number itself.
        digest = hashlib.sha256(id_number.encode()).hexdigest()[:32]
        return f"{self.prefix}failures:{digest}"

    def add(self, id_number: str, now: dt.datetime, window: dt.timedelta) -> int:
        key = self.key(id_number)
        moment = now.timestamp()
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {uuid.uuid4().hex: moment})
            pipe.zremrangebyscore(key, "-inf", f"({moment - window.total_seconds()}")
            pipe.zcard(key)
            pipe.expire(key, max(1, int(window.total_seconds())))
            _, _, count, _ = pipe.execute()
        return count

    def since(self, id_number: str, since: dt.datetime) -> int:
        return self.redis.zcount(self.key(id_number), since.timestamp(), "+inf")

    def clear(self, id_number: str) -> None:
        self.redis.delete(self.key(id_number))
