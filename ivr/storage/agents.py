"""The agents' side of the hotline in SQL: who waits in which Twilio queue now, and callers' requests to be called back.

Who waits is our own record rather than Twilio's Queues API: the agent access webhook must answer within Twilio's
15 seconds from what it has at hand, the record works the same on a test number, in tests and in the simulator (no
API credentials, no network), and it is written in the same transaction as the call's state. Each row is removed
when Twilio tells us the caller left the queue; a row a lost callback leaves behind stops counting after STALE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from ivr.core.ports import QueueLoad
from ivr.storage.database import Database
from ivr.storage.lockouts import utc
from ivr.storage.schema import callbacks, queue_callers

# Nobody waits in a queue this long: a row older than this is left over from a call whose end we never heard of.
STALE = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Callback:
    """A caller's request to be called back, as operators see it."""

    id: int
    number: str
    line: str
    topic: str
    requested: dt.datetime
    due: dt.datetime | None
    done: dt.datetime | None


def masked(number: str) -> str:
    """A calling number as logs show it: the country code and the last four digits."""
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:] if len(number) > 7 else "*" * len(number)


class QueueCallers:
    def __init__(self, db: Database):
        self.db = db

    def joined(self, call_sid: str, queue: str, now: dt.datetime) -> None:
        """The call was put into `queue` (again, after a retry: its row is replaced). Rows left over from calls whose
        end was never heard of are cleared at the same time, so the table holds only today's waiting callers."""
        with self.db.writing() as conn:
            conn.execute(delete(queue_callers).where((queue_callers.c.call_sid == call_sid)
                                                     | (queue_callers.c.since < utc(now - STALE))))
            conn.execute(insert(queue_callers).values(call_sid=call_sid, queue=queue, since=utc(now), average=0,
                                                      seen=utc(now)))

    def left(self, call_sid: str) -> None:
        """The call is no longer waiting: taken by an agent, left, hung up or ended."""
        with self.db.writing() as conn:
            conn.execute(delete(queue_callers).where(queue_callers.c.call_sid == call_sid))

    def waits(self, call_sid: str) -> str | None:
        """The queue the call waits in, None when it waits in none."""
        with self.db.reading() as conn:
            return conn.execute(select(queue_callers.c.queue).where(queue_callers.c.call_sid == call_sid)).scalar()

    def heard(self, call_sid: str, average: int, now: dt.datetime) -> None:
        """Twilio's latest AvgQueueTime for the call's queue, sent with a wait-URL request."""
        with self.db.writing() as conn:
            conn.execute(update(queue_callers).where(queue_callers.c.call_sid == call_sid)
                         .values(average=average, seen=utc(now)))

    def place(self, call_sid: str, now: dt.datetime) -> tuple[int, int, int, int] | None:
        """Where the call waits, as Twilio tells a wait URL: its position (1 first), the queue's size, the latest
        average wait and the seconds this call has waited; None when it waits in no queue."""
        with self.db.reading() as conn:
            mine = conn.execute(select(queue_callers).where(queue_callers.c.call_sid == call_sid)).first()
            if mine is None:
                return None
            live = (queue_callers.c.queue == mine.queue) & (queue_callers.c.since >= utc(now - STALE))
            ahead = conn.execute(select(func.count()).select_from(queue_callers)
                                 .where(live & (queue_callers.c.since < mine.since))).scalar_one()
            size = conn.execute(select(func.count()).select_from(queue_callers).where(live)).scalar_one()
        load = self.load(mine.queue, now)
        return ahead + 1, max(size, ahead + 1), load.average_seconds, int((utc(now) - mine.since).total_seconds())

    def load(self, queue: str, now: dt.datetime) -> QueueLoad:
        """How many wait in `queue`, and the average wait Twilio reported last for it."""
        live = (queue_callers.c.queue == queue) & (queue_callers.c.since >= utc(now - STALE))
        with self.db.reading() as conn:
            waiting = conn.execute(select(func.count()).select_from(queue_callers).where(live)).scalar_one()
            average = conn.execute(select(queue_callers.c.average).where(live)
                                   .order_by(queue_callers.c.seen.desc()).limit(1)).scalar()
        return QueueLoad(waiting, average or 0)


class Callbacks:
    def __init__(self, db: Database):
        self.db = db

    def request(self, number: str, line: str, topic: str, now: dt.datetime, due: dt.datetime | None) -> int:
        with self.db.writing() as conn:
            result = conn.execute(insert(callbacks).values(
                number=number, line=line, topic=topic, requested=utc(now), due=None if due is None else utc(due)))
            return result.inserted_primary_key[0]

    def open(self) -> list[Callback]:
        """Requests not yet done, the oldest first."""
        query = select(callbacks).where(callbacks.c.done.is_(None)).order_by(callbacks.c.requested, callbacks.c.id)
        with self.db.reading() as conn:
            return [_callback(row) for row in conn.execute(query)]

    def done(self, callback_id: int, now: dt.datetime) -> bool:
        """Mark a request done; False when there is no such open request."""
        with self.db.writing() as conn:
            result = conn.execute(update(callbacks).where((callbacks.c.id == callback_id) & callbacks.c.done.is_(None))
                                  .values(done=utc(now)))
            return result.rowcount == 1


def _callback(row) -> Callback:
    def aware(moment):
        return None if moment is None else moment.replace(tzinfo=dt.UTC)

    return Callback(row.id, row.number, row.line, row.topic, aware(row.requested), aware(row.due), aware(row.done))
