"""The engine on a line that queues its callers, without Flask or a database: the queue it names, the long-queue
offer, what each QueueResult leads to, call backs and the older callers' prompts."""

import datetime as dt

import pytest

from ivr.core.engine import Engine
from ivr.core.events import Keys, QueueEnded
from ivr.core.ports import QueueLoad
from ivr.core.replies import Enqueue, Hangup
from tests.prompts import AGENT_BUSY, HOTLINE, MAIN, MESSAGES, NODES, READ, SETTINGS
from tests.unit.test_engine import MemoryBackend

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shenzhen, inside agent hours
NIGHT = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # 22:00
SHENZHEN = "+8675512393"
LINE = HOTLINE.lines.lines["shenzhen"]
CALLER = "+8613812345678"


def call(backend=None, caller=CALLER, now=NOW):
    engine = Engine(HOTLINE, backend or MemoryBackend(), caller=caller)
    state, reply = engine.start(SHENZHEN, now)
    return engine, state, reply


def test_the_agent_key_joins_the_lines_queue():
    engine, state, _ = call()
    reply = engine.step(state, Keys("0"), NOW)
    assert reply.says == (MESSAGES.agent_connecting,) and reply.then == Enqueue(LINE.queue_name(False))


def test_an_older_callers_call_joins_the_older_callers_queue_and_hears_the_agent_first():
    engine, state, reply = call(caller="+8613900000076")  # registered on the account of a retiree of 76
    assert state.elder and reply.says == (MAIN.greeting, MAIN.elder_prompt)
    assert engine.step(state, Keys("0"), NOW).then == Enqueue(LINE.queue_name(True))
    assert engine.paced(state, reply).rate == LINE.elder.rate


@pytest.mark.parametrize("load, offered", [
    (QueueLoad(LINE.queue.max_waiting - 1, 0), False),
    (QueueLoad(LINE.queue.max_waiting, 0), True),
    (QueueLoad(1, LINE.queue.max_wait_seconds), False),
    (QueueLoad(1, LINE.queue.max_wait_seconds + 1), True),
])
def test_a_long_queue_or_wait_offers_a_call_back_first(load, offered):
    backend = MemoryBackend()
    backend.queues[LINE.queue_name(False)] = load
    engine, state, _ = call(backend)
    reply = engine.step(state, Keys("0"), NOW)
    assert (reply.node == SETTINGS.queue_busy) is offered
    if offered:
        assert reply.says[0] == MESSAGES.queue_long.format(waiting=READ.count(load.waiting))
        assert reply.says[-1] == NODES[SETTINGS.queue_busy].prompt
        # The agent key at that menu is the choice to wait anyway.
        assert isinstance(engine.step(state, Keys("0"), NOW).then, Enqueue)


@pytest.mark.parametrize("result, says, hangs_up", [
    # After talking with an agent the caller is asked to rate the service, as after an answered transfer.
    ("bridged", (NODES[SETTINGS.rating].prompt,), False),
    ("hangup", (), True),
    ("queue-full", (AGENT_BUSY,), False),
    ("system-error", (AGENT_BUSY,), False),
])
def test_each_queue_result_leads_where_it_should(result, says, hangs_up):
    engine, state, _ = call()
    engine.step(state, Keys("0"), NOW)
    reply = engine.step(state, QueueEnded(result), NOW)
    assert reply.says == says and isinstance(reply.then, Hangup) is hangs_up


def test_leaving_the_queue_keeps_a_call_back_with_the_topic_and_goes_home():
    backend = MemoryBackend()
    engine, state, _ = call(backend)
    engine.step(state, Keys("2"), NOW)
    engine.step(state, Keys("0"), NOW)
    reply = engine.step(state, QueueEnded("leave"), NOW)
    assert reply.says == (MESSAGES.callback_soon, MAIN.short) and reply.node == SETTINGS.start
    assert backend.callbacks == [(CALLER, "shenzhen", SETTINGS.identify, NOW, None)]
    assert "topic" not in state.slots


def test_outside_hours_the_call_back_is_due_at_the_next_opening():
    backend = MemoryBackend()
    engine, state, _ = call(backend, now=NIGHT)
    assert engine.step(state, Keys("0"), NIGHT).node == SETTINGS.agent_closed
    reply = engine.step(state, Keys(SETTINGS.queue.leave_key), NIGHT)
    assert reply.says[0] == MESSAGES.callback_next.format(when=MESSAGES.tomorrow + READ.clock(9, 0))
    [(_, _, _, _, due)] = backend.callbacks
    assert due == dt.datetime(2026, 11, 24, 9, 0, tzinfo=HOTLINE.lines.timezone)


def test_the_place_in_the_queue_is_said_with_the_wait_rounded_up_to_minutes():
    engine, _, _ = call()
    assert engine.queue_place(4, 61) == [MESSAGES.queue_ahead.format(ahead=READ.count(3)),
                                        MESSAGES.queue_estimate.format(minutes=READ.count(2)), MESSAGES.queue_leave]
    assert engine.queue_place(1, 0) == [MESSAGES.queue_next, MESSAGES.queue_leave]
