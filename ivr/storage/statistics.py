"""Figures for the operator page, computed in SQL from the call records: counts, the per-node funnel, answer times."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import and_, distinct, func, select
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
class Report:
    since: dt.datetime
    calls: int
    finished: int
    outcomes: dict[str, int]
    mean_duration: float | None
    answered: int
    nodes: list[NodeFigures]
    answers: list[AnswerTiming]

    @property
    def answered_share(self) -> float:
        return self.answered / self.calls if self.calls else 0.0


def _node_type(script: Script, name: str) -> str:
    node = script.nodes.get(name)
    return node.type if node is not None else "gone"


@guarded
def report(engine: Engine, script: Script, since: dt.datetime) -> Report:
    """Calls that started since `since`, and where they went."""
    start = utc(since)
    in_period = calls.c.started >= start
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
    answers = [
        AnswerTiming(name, len(seconds[name]), statistics.median(seconds[name]),
                     statistics.fmean(seconds[name]), max(seconds[name]))
        for name in answer_nodes if name in seconds
    ]
    return Report(
        since=since,
        calls=total,
        finished=sum(outcomes.values()),
        outcomes=outcomes,
        mean_duration=None if mean_duration is None else float(mean_duration),
        answered=answered,
        nodes=nodes,
        answers=answers,
    )
