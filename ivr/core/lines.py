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
class AgentQueue:
    """A line's Twilio queue of callers waiting for an agent, and the number its agents call to take the next one."""

    # The number agents call (its voice webhook is /voice/agent) and the phones allowed to use it.
    access: str
    agents: tuple[str, ...]
    # More callers waiting than this, or a longer expected wait, and a caller is offered a call back before queueing.
    max_waiting: int
    max_wait_seconds: int


@dataclass(frozen=True)
class Elder:
    """Older callers on a line: from what age they go to the front of the queue, and how slowly they are spoken to."""

    age: int
    # SSML prosody rate of their prompts ("85%"), where the voice reads SSML; None keeps the voice's own pace.
    rate: str | None = None


@dataclass(frozen=True)
class Line:
    key: str
    numbers: tuple[str, ...]
    region: str
    agent_number: str
    hours: tuple[Period, ...] | None  # None means around the clock
    # Where a caller who forgot the service password can reset it, in the order they are told: counter, app, agent.
    password_reset: tuple[str, ...] = ("counter",)
    # Whether the line's prompts also listen to words (ivr.core.listening); keys work either way.
    speech: bool = False
    # Callers reaching an agent wait in this line's Twilio queue; None dials the agent's number directly.
    queue: AgentQueue | None = None
    # Older callers hear the agent key first and wait at the front of the queue; None: no one is treated apart.
    elder: Elder | None = None

    def queue_name(self, priority: bool) -> str:
        """The name of the line's Twilio queue; older callers wait in a queue of their own that agents serve first."""
        return f"{self.key}-priority" if priority else self.key

    def is_elder(self, born: dt.date, today: dt.date) -> bool:
        """Whether someone born on `born` is, on `today`, old enough for the line's older callers' service."""
        if self.elder is None:
            return False
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return age >= self.elder.age

    def agents_open(self, moment: dt.datetime) -> bool:
        return self.hours is None or any(period.covers(moment) for period in self.hours)

    def next_opening(self, moment: dt.datetime) -> dt.datetime | None:
        """When agents next start answering after `moment` (local time); None around the clock or never."""
        if self.hours is None:
            return None
        for days_ahead in range(8):
            day = moment.date() + dt.timedelta(days=days_ahead)
            starts = sorted(
                dt.datetime.combine(day, period.start, moment.tzinfo)
                for period in self.hours
                if day.weekday() in DAY_SETS[period.days]
            )
            later = [start for start in starts if start > moment]
            if later:
                return later[0]
        return None


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

    def for_access(self, called: str) -> Line | None:
        """The line whose agent access number was called; None when it is no line's."""
        normalized = "".join(ch for ch in (called or "") if ch.isdigit() or ch == "+")
        for line in self.lines.values():
            if line.queue is not None and normalized == line.queue.access:
                return line
        return None

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.timezone)
