"""Each call's engine state by CallSid, so that any process can serve any step: in SQL, or in Redis with expiry."""

from __future__ import annotations

import datetime as dt
import json

from redis import Redis
from sqlalchemy import bindparam, delete, insert, select, update

from ivr.storage.database import Database, DriverStatement
from ivr.storage.lockouts import utc
from ivr.storage.schema import call_states

# A call's state is forgotten this long after its last step; no call lasts that long.
CALL_STATE_TTL = dt.timedelta(hours=4)


# Built once (see ivr.store).
LOAD = select(call_states.c.state).where(call_states.c.call_sid == bindparam("sid"))
# Bound names differ from the columns', which SQLAlchemy reserves for its own parameters in UPDATE and INSERT.
SAVE = update(call_states).where(call_states.c.call_sid == bindparam("sid")).values(
    state=bindparam("text"), updated=bindparam("at"))
CREATE = insert(call_states).values(call_sid=bindparam("sid"), state=bindparam("text"), updated=bindparam("at"))
FORGET = delete(call_states).where(call_states.c.updated < bindparam("before"))
END = delete(call_states).where(call_states.c.call_sid == bindparam("sid"))


def _encode(state: dict) -> str:
    return json.dumps(state, ensure_ascii=False, sort_keys=True)


class SqlCallStates:
    def __init__(self, db: Database):
        self.db = db
        # On SQLite, every step's read and update skip SQLAlchemy's execution (ivr.storage.database.DriverStatement).
        sqlite = db.engine.dialect.name == "sqlite"
        self._load = DriverStatement(LOAD, db.engine) if sqlite else None
        self._save = DriverStatement(SAVE, db.engine) if sqlite else None

    @staticmethod
    def _execute(conn, statement, driver: DriverStatement | None, values: dict):
        """Run on the driver where there is one, else through SQLAlchemy; either result has fetchone and rowcount."""
        return driver.run(conn, values) if driver is not None else conn.execute(statement, values)

    def load(self, call_sid: str) -> dict | None:
        with self.db.reading() as conn:
            row = self._execute(conn, LOAD, self._load, {"sid": call_sid}).fetchone()
        return None if row is None else json.loads(row[0])

    def save(self, call_sid: str, state: dict, now: dt.datetime) -> None:
        values = {"sid": call_sid, "text": _encode(state), "at": utc(now)}
        with self.db.writing() as conn:
            if not self._execute(conn, SAVE, self._save, values).rowcount:
                conn.execute(CREATE, values)
                # New calls are a natural moment to forget calls that ended long ago.
                conn.execute(FORGET, {"before": utc(now - CALL_STATE_TTL)})

    def end(self, call_sid: str) -> None:
        with self.db.writing() as conn:
            conn.execute(END, {"sid": call_sid})


# The state and the step's record in one command, which Redis runs whole: written together or not at all, as with
# MULTI/EXEC, for one reply instead of four.
SAVE_WITH_RECORD = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return redis.call('RPUSH', KEYS[2], ARGV[3])
"""


class RedisCallStates:
    """One string per call; every save renews its expiry, so calls whose end we never hear of still go away."""

    def __init__(self, redis: Redis, prefix: str):
        self.redis = redis
        self.prefix = prefix
        # redis-py sends the script by its digest and loads it again after a Redis restart forgot it.
        self._save_with_record = redis.register_script(SAVE_WITH_RECORD)

    def key(self, call_sid: str) -> str:
        return f"{self.prefix}call:{call_sid}"

    def load(self, call_sid: str) -> dict | None:
        text = self.redis.get(self.key(call_sid))
        return None if text is None else json.loads(text)

    def save(self, call_sid: str, state: dict, now: dt.datetime, record: str | None = None,
             buffer: str | None = None) -> None:
        """Store the state; with `record`, also append it to the list `buffer` (ivr.storage.step_buffer) in the same
        command, so that the state and the step's record are written together or not at all."""
        ttl = int(CALL_STATE_TTL.total_seconds())
        if record is None:
            self.redis.set(self.key(call_sid), _encode(state), ex=ttl)
        else:
            self._save_with_record(keys=[self.key(call_sid), buffer], args=[_encode(state), ttl, record])

    def end(self, call_sid: str) -> None:
        self.redis.delete(self.key(call_sid))
