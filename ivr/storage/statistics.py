"""Figures for the operator page, computed in SQL from the call records: counts by day and hour, the funnel of a call
(called, identified, answered, agent), where callers hang up, wrong keys and time-outs by node, answer times."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, distinct, func, select, true
from sqlalchemy.engine import Engine

from ivr.core.script import AnswerNode, Script
from ivr.storage.lockouts import utc
from ivr.storage.schema import call_steps, calls
from ivr.storage.store import guarded


@dataclass(frozen=True)
class NodeFigures:
    node: str
    type: str
    visits: int  # calls that were at this node at least once
    hangups: int  # finished calls the caller ended while at this node
    closed: int  # finished calls the hotline ended here (goodbye, after the agent, too many failures)

    @property
    def hangup_share(self) -> float:
        return self.hangups / self.visits if self.visits else 0.0


@dataclass(frozen=True)
class AnswerTiming:
    node: str
    calls: int
    median: float  # seconds from the start of the call to the first time the answer was read
    mean: float
    slowest: float


@dataclass(frozen=True)
class Misses:
    node: str
    wrong_keys: int  # steps at this node that heard a re-prompt after a key that is not an option
    timeouts: int  # steps at this node that heard a re-prompt (or gave up) after no key at all


@dataclass(frozen=True)
class Selection:
    """Which calls the figures count: those started from `since` to `until`, on one line or all, simulator calls or not."""

    since: dt.datetime
    until: dt.datetime | None = None
    line: str | None = None
    simulated: bool = False
    # The time zone days and hours are counted in: the lines' (data/lines.yaml).
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def condition(self):
        chosen = [calls.c.started >= utc(self.since)]
        if self.until is not None:
            chosen.append(calls.c.started <= utc(self.until))
        if self.line is not None:
            chosen.append(calls.c.line == self.line)
        if not self.simulated:
            chosen.append(calls.c.simulated.is_(False))
        return and_(true(), *chosen)


@dataclass(frozen=True)
class Report:
    since: dt.datetime
    calls: int
    finished: int
    outcomes: dict[str, int]
    mean_duration: float | None
    answered: int
    nodes: list[NodeFigures]
    answers: list[AnswerTiming]
    identified: int = 0
    transferred: int = 0
    # Seconds from the start of a call to its first transfer to an agent, over the calls transferred.
    to_agent: AnswerTiming | None = None
    misses: list[Misses] = field(default_factory=list)
    # Calls started on each local day of the period, oldest first, and in each local hour of the day (0 to 23).
    per_day: list[tuple[dt.date, int]] = field(default_factory=list)
    per_hour: list[int] = field(default_factory=lambda: [0] * 24)
    # Calls on each line (data/lines.yaml key), most first.
    per_line: list[tuple[str, int]] = field(default_factory=list)

    @property
    def answered_share(self) -> float:
        return self.answered / self.calls if self.calls else 0.0

    @property
    def funnel(self) -> list[tuple[str, int]]:
        """How far calls went: called, identified, heard an answer, reached an agent."""
        return [("called", self.calls), ("identified", self.identified), ("answered", self.answered),
                ("agent", self.transferred)]


def _node_type(script: Script, name: str) -> str:
    node = script.nodes.get(name)
    return node.type if node is not None else "gone"


def _timing(node: str, seconds: list[float]) -> AnswerTiming:
    return AnswerTiming(node, len(seconds), statistics.median(seconds), statistics.fmean(seconds), max(seconds))


def _per_day(started: list[dt.datetime], chosen: Selection) -> list[tuple[dt.date, int]]:
    zone = chosen.timezone
    days = Counter(moment.replace(tzinfo=dt.UTC).astimezone(zone).date() for moment in started)
    first, last = chosen.since.astimezone(zone).date(), chosen.until.astimezone(zone).date()
    return [(first + dt.timedelta(days=n), days.get(first + dt.timedelta(days=n), 0))
            for n in range((last - first).days + 1)]


def _per_hour(started: list[dt.datetime], zone: ZoneInfo) -> list[int]:
    hours = Counter(moment.replace(tzinfo=dt.UTC).astimezone(zone).hour for moment in started)
    return [hours.get(hour, 0) for hour in range(24)]


def _misses(conn, in_period) -> list[Misses]:
    counted = conn.execute(
        select(call_steps.c.node, call_steps.c.miss, func.count())
        .select_from(call_steps.join(calls, call_steps.c.call_sid == calls.c.call_sid))
        .where(in_period, call_steps.c.miss.is_not(None))
        .group_by(call_steps.c.node, call_steps.c.miss)
    ).all()
    by_node: dict[str, dict[str, int]] = {}
    for node, miss, count in counted:
        by_node.setdefault(node, {})[miss] = count
    found = [Misses(node, kinds.get("nomatch", 0), kinds.get("noinput", 0)) for node, kinds in by_node.items()]
    return sorted(found, key=lambda row: (-(row.wrong_keys + row.timeouts), row.node))


def _calls_figures(conn, in_period) -> dict:
    """What the calls table alone tells: starts, identification, transfers."""
    rows = conn.execute(
        select(calls.c.started, calls.c.identified, calls.c.transferred, calls.c.line).where(in_period)
    ).all()
    lines = Counter(row.line or "" for row in rows)
    to_agent = [max(0.0, (row.transferred - row.started).total_seconds()) for row in rows if row.transferred]
    return {
        "started": [row.started for row in rows],
        "identified": sum(1 for row in rows if row.identified),
        "transferred": len(to_agent),
        "to_agent": _timing("agent", to_agent) if to_agent else None,
        "per_line": sorted(lines.items(), key=lambda item: (-item[1], item[0])),
    }


@guarded
def report(engine: Engine, script: Script, since: dt.datetime | Selection) -> Report:
    """Calls that started in the selection (or since `since`, simulator calls left out), and where they went."""
    chosen = since if isinstance(since, Selection) else Selection(since)
    in_period = chosen.condition()
    answer_nodes = [name for name, node in script.nodes.items() if isinstance(node, AnswerNode)]
    stepped = call_steps.join(calls, call_steps.c.call_sid == calls.c.call_sid)
    last = (
        select(call_steps.c.call_sid, func.max(call_steps.c.id).label("id"))
        .group_by(call_steps.c.call_sid)
        .subquery()
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(calls).where(in_period)).scalar_one()
        outcomes = {
            outcome: count
            for outcome, count in conn.execute(
                select(calls.c.outcome, func.count()).where(in_period, calls.c.outcome.is_not(None)).group_by(calls.c.outcome)
            )
        }
        mean_duration = conn.execute(
            select(func.avg(calls.c.duration)).where(in_period, calls.c.duration.is_not(None))
        ).scalar_one()
        visits = dict(conn.execute(
            select(call_steps.c.node, func.count(distinct(call_steps.c.call_sid)))
            .select_from(stepped).where(in_period).group_by(call_steps.c.node)
        ).all())
        endings: dict[tuple[str, bool], int] = {
            (node, bool(ended)): count
            for node, ended, count in conn.execute(
                select(call_steps.c.node, call_steps.c.ended, func.count())
                .select_from(
                    call_steps.join(last, call_steps.c.id == last.c.id)
                    .join(calls, call_steps.c.call_sid == calls.c.call_sid)
                )
                .where(in_period, calls.c.outcome.is_not(None))
                .group_by(call_steps.c.node, call_steps.c.ended)
            )
        }
        answered = conn.execute(
            select(func.count(distinct(call_steps.c.call_sid)))
            .select_from(stepped).where(in_period, call_steps.c.node.in_(answer_nodes))
        ).scalar_one()
        called = _calls_figures(conn, in_period)
        misses = _misses(conn, in_period)
        reached = conn.execute(
            select(call_steps.c.node, calls.c.started, func.min(call_steps.c.at))
            .select_from(stepped)
            .where(and_(in_period, call_steps.c.node.in_(answer_nodes)))
            .group_by(call_steps.c.call_sid, call_steps.c.node, calls.c.started)
        ).all()
    seconds: dict[str, list[float]] = {}
    for node, started, first in reached:
        seconds.setdefault(node, []).append(max(0.0, (first - started).total_seconds()))
    names = list(script.nodes) + sorted(set(visits) - set(script.nodes))
    nodes = [
        NodeFigures(name, _node_type(script, name), visits.get(name, 0),
                    endings.get((name, False), 0), endings.get((name, True), 0))
        for name in names
    ]
    answers = [_timing(name, seconds[name]) for name in answer_nodes if name in seconds]
    return Report(
        since=chosen.since,
        calls=total,
        finished=sum(outcomes.values()),
        outcomes=outcomes,
        mean_duration=None if mean_duration is None else float(mean_duration),
        answered=answered,
        nodes=nodes,
        answers=answers,
        identified=called["identified"],
        transferred=called["transferred"],
        to_agent=called["to_agent"],
        misses=misses,
        per_day=_per_day(called["started"], chosen) if chosen.until is not None else [],
        per_hour=_per_hour(called["started"], chosen.timezone),
        per_line=called["per_line"],
    )


@guarded
def lines_called(engine: Engine) -> list[str]:
    """The lines the call records name, for the page's choice of line."""
    with engine.connect() as conn:
        return sorted(line for (line,) in conn.execute(select(calls.c.line).distinct().where(calls.c.line.is_not(None))))


@guarded
def call_rows(engine: Engine, chosen: Selection) -> list[dict]:
    """One row per call of the selection, oldest first, with the node it was last at: the page's CSV export."""
    last = (
        select(call_steps.c.call_sid, func.max(call_steps.c.id).label("id"))
        .group_by(call_steps.c.call_sid)
        .subquery()
    )
    query = (
        select(calls, call_steps.c.node)
        .select_from(calls.outerjoin(last, last.c.call_sid == calls.c.call_sid)
                     .outerjoin(call_steps, call_steps.c.id == last.c.id))
        .where(chosen.condition())
        .order_by(calls.c.started, calls.c.call_sid)
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
