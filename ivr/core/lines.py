"""Hotline lines: which called number belongs to which region, and when its human agents answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ivr.core.ports import Limit

DAY_SETS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}


class LineDataError(Exception):
    """data/lines.yaml is wrong; the message names the file and the entry."""


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


def load_lines(path: Path, region_keys: set[str] | None = None) -> LineBook:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LineDataError(f"{path}: YAML syntax: {exc}") from None
    try:
        zone = ZoneInfo(str(data.get("timezone", "Asia/Shanghai")))
    except (ZoneInfoNotFoundError, ValueError):
        raise LineDataError(f"{path}: timezone: unknown time zone {data.get('timezone')!r}") from None
    lines = {}
    owners: dict[str, str] = {}
    for key, item in (data.get("lines") or {}).items():
        where = f"{path}: lines.{key}"
        try:
            line = _line(str(key), item)
        except (KeyError, TypeError, ValueError) as exc:
            raise LineDataError(f"{where}: {exc!r}") from None
        if region_keys is not None and line.region not in region_keys:
            raise LineDataError(f"{where}.region: {line.region!r} is not a region in regions.yaml")
        for number in line.numbers:
            if number in owners:
                raise LineDataError(f"{where}.numbers: {number} already belongs to lines.{owners[number]}")
            owners[number] = line.key
        lines[line.key] = line
    default = str(data.get("default", ""))
    if default not in lines:
        raise LineDataError(f"{path}: default: {default!r} is not one of the lines")
    try:
        caller_limit = _caller_limit(data.get("caller_attempts"))
    except (KeyError, TypeError, ValueError) as exc:
        raise LineDataError(f"{path}: caller_attempts: {exc!r}") from None
    return LineBook(zone, default, lines, caller_limit)


def _caller_limit(item) -> Limit | None:
    if item is None:
        return None
    attempts, hours = item["attempts"], item["window_hours"]
    if not (type(attempts) is int and attempts >= 1 and type(hours) in (int, float) and hours > 0):
        raise ValueError("attempts must be a whole number from 1 and window_hours a number above 0")
    return Limit(attempts, dt.timedelta(hours=hours))


def _line(key: str, item: dict) -> Line:
    agent = item["agent"]
    hours = agent["hours"]
    if hours == "always":
        periods = None
    else:
        periods = tuple(_period(p) for p in hours)
    return Line(
        key=key,
        numbers=tuple(str(n) for n in item["numbers"]),
        region=str(item["region"]),
        agent_number=str(agent["number"]),
        hours=periods,
    )


def _period(item: dict) -> Period:
    days = item["days"]
    if days not in DAY_SETS:
        raise ValueError(f"days must be one of {', '.join(DAY_SETS)}")
    start, end = dt.time.fromisoformat(str(item["start"])), dt.time.fromisoformat(str(item["end"]))
    if end <= start:
        raise ValueError("end must be after start")
    return Period(days, start, end)
