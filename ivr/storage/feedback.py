"""What callers thought and asked for after their answers, for the operator page: the ratings of the agent's service
and the text messages by how they ended."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ivr.core.script import RATINGS
from ivr.storage.lockouts import utc
from ivr.storage.outbox import STATUSES
from ivr.storage.schema import calls, texts
from ivr.storage.statistics import Selection
from ivr.storage.store import guarded


@dataclass(frozen=True)
class Feedback:
    # Calls that started in the period, by the rating given (best first), and texts asked for, by status.
    ratings: dict[str, int]
    texts: dict[str, int]

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    def share(self, rating: str) -> float:
        return self.ratings[rating] / self.rated if self.rated else 0.0


@guarded
def feedback(engine: Engine, chosen: Selection) -> Feedback:
    """The ratings of the calls the page counts (period, line, simulator calls or not), and the texts asked for in the
    period (a text has no line of its own)."""
    start = utc(chosen.since)
    with engine.connect() as conn:
        given = dict(conn.execute(select(calls.c.rating, func.count()).where(
            chosen.condition(), calls.c.rating.is_not(None)).group_by(calls.c.rating)).all())
        asked = dict(conn.execute(select(texts.c.status, func.count()).where(texts.c.created >= start)
                                  .group_by(texts.c.status)).all())
    return Feedback({rating: given.get(rating, 0) for rating in RATINGS},
                    {status: asked.get(status, 0) for status in STATUSES})
