"""Step records held in Redis beside the calls' state, and moved to the SQL call records in batches.

Where Redis keeps the call state, a webhook step needs nothing else from the database to answer a menu key; only its
record for the operators' figures would take a pooled SQL connection, a statement and a commit, which cost more than
the rest of the step. So the record is appended to a Redis list by the same script that stores the call's new state
(RedisCallStates.save): the two are written together or not at all, and a worker killed after answering has lost
nothing, since both are in Redis. Any process then moves the list to SQL in order, in batches: one at a time, under
a Redis lock, each batch in one SQL transaction and taken off the list only after it is committed.

The list has no expiry, unlike the call states: it is emptied as it is moved, and a record must not vanish before.
Redis keeps it as it keeps the states (docker-compose.yml runs Redis with its append-only file), so a Redis that
crashes loses at most the last second of both. The records are kept as the call flow wrote them (text); this layer
neither reads nor changes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from redis import Redis
from redis.exceptions import LockError

log = logging.getLogger("ivr.store")

# Records moved to SQL in one transaction.
BATCH = 500
# A flush that holds the lock longer than this is taken to have died with its process; another may then flush.
LOCK_SECONDS = 30


class StepBuffer:
    def __init__(self, redis: Redis, prefix: str):
        self.redis = redis
        self.key = f"{prefix}steps"
        self.lock_name = f"{prefix}steps:flushing"

    def push(self, record: str) -> None:
        """Append a record that goes with no call state (a call's end), after every record before it."""
        self.redis.rpush(self.key, record)

    def pending(self) -> int:
        """How many records wait to be moved."""
        return self.redis.llen(self.key)

    def flush(self, write: Callable[[list[str]], None], wait: float = 2.0) -> int:
        """Move every waiting record to SQL with `write` (which commits a batch or raises), oldest first; returns how
        many were moved. Waits up to `wait` seconds for another process's flush to end, so that a caller that needs
        the records in SQL (the operator page) finds them there afterwards."""
        if not self.redis.llen(self.key):
            # Every record is in SQL: a batch being written stays on the list until it is committed.
            return 0
        # A reader waiting for another process's flush looks again every 10 ms (redis-py's default is 100 ms).
        lock = self.redis.lock(self.lock_name, timeout=LOCK_SECONDS, sleep=0.01, blocking=wait > 0,
                               blocking_timeout=wait or None)
        if not lock.acquire():
            return 0
        moved = 0
        try:
            while batch := self.redis.lrange(self.key, 0, BATCH - 1):
                write(batch)
                # Taken off only once committed: a process that dies in between leaves the batch to be written again,
                # so a record may be written twice but is never lost.
                self.redis.ltrim(self.key, len(batch), -1)
                moved += len(batch)
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("the step records' flush outlasted its lock of %d s", LOCK_SECONDS)
        return moved
