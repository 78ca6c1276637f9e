"""Hotline lines: which called number belongs to which region, and when its human agents answer (ivr.content.lines
reads them from data/lines.yaml)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ivr.core.ports import Limit

DAY_SETS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}


@dataclass(frozen=True)
class Period:
    days: str
    start: dt.time
    end: dt.time

    def covers(self, moment: dt.datetime) -> bool:
        return moment.weekday() in DAY_SETS[self.days] and self.start <= moment.time() < self.end


@dataclass(frozen=True)
class Line:
    key: str
    numbers: tuple[str, ...]
    region: str
    agent_number: str
    hours: tuple[Period, ...] | None  # None means around the clock

    def agents_open(self, moment: dt.datetime) -> bool:
        return self.hours is None or any(period.covers(moment) for period in self.hours)


@dataclass(frozen=True)
class LineBook:
    timezone: ZoneInfo
    default: str
    lines: dict[str, Line]
    # Wrong passwords one calling number may key across all IDs (and lines) within a window; None: no such limit.
    caller_limit: Limit | None = None

    def for_number(self, called: str) -> Line:
        """The line a called number belongs to; unknown numbers get the default line."""
        normalized = "".join(ch for ch in (called or "") if ch.isdigit() or ch == "+")
        for line in self.lines.values():
            if normalized in line.numbers:
                return line
        return self.lines[self.default]

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.timezone)
