"""The engine on a line that queues its callers, without Flask or a database: the queue it names, the long-queue
offer, what each QueueResult leads to, call backs and the older callers' prompts."""

import datetime as dt
from dataclasses import replace

import pytest

from ivr.core.engine import Engine
from ivr.core.events import Keys, QueueEnded
from ivr.core.ports import QueueLoad
from ivr.core.replies import Enqueue, Hangup
from ivr.core.state import State
from tests.prompts import AGENT_BUSY, HOTLINE, MAIN, MESSAGES, NODES, READ, SETTINGS, literal
from tests.unit.test_engine import MemoryBackend
from tests.unit.test_engine_paths import key_for

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
    # The topic is the menu the caller asked for an agent from, not the menu offering the call back.
    [(_, _, topic, _, due)] = backend.callbacks
    assert topic == SETTINGS.start and due == dt.datetime(2026, 11, 24, 9, 0, tzinfo=HOTLINE.lines.timezone)


def test_the_place_in_the_queue_is_said_with_the_wait_rounded_up_to_minutes():
    engine, _, _ = call()
    assert engine.queue_place(4, 61) == [MESSAGES.queue_ahead.format(ahead=READ.count(3)),
                                        MESSAGES.queue_estimate.format(minutes=READ.count(2)), MESSAGES.queue_leave]
    assert engine.queue_place(1, 0) == [MESSAGES.queue_next, MESSAGES.queue_leave]


def test_the_wait_is_said_from_the_first_second_and_one_caller_ahead_is_counted():
    engine, _, _ = call()
    assert engine.queue_estimate(1) == [MESSAGES.queue_estimate.format(minutes=READ.count(1))]
    assert engine.queue_place(2, 0) == [MESSAGES.queue_ahead.format(ahead=READ.count(1)), MESSAGES.queue_leave]


def test_joining_the_queue_and_hanging_up_in_it_stay_at_the_node_the_caller_asked_from():
    engine, state, _ = call()
    assert engine.step(state, Keys("0"), NOW).node == SETTINGS.start
    assert engine.step(state, QueueEnded("hangup"), NOW).node == SETTINGS.start


def test_a_withheld_number_is_told_it_cannot_be_called_back_and_nothing_is_kept():
    backend = MemoryBackend()
    engine, state, _ = call(backend, caller="anonymous")
    engine.step(state, Keys("0"), NOW)
    reply = engine.step(state, QueueEnded("leave"), NOW)
    assert reply.says == (MESSAGES.callback_no_number, MAIN.short) and reply.node == SETTINGS.start
    assert backend.callbacks == []


def test_a_call_back_asked_from_a_menu_the_agent_key_did_not_lead_to_has_that_menu_as_its_topic():
    # An operator may offer the call back in any menu; without the agent key before it, the menu is the topic.
    backend = MemoryBackend()
    engine, state, _ = call(backend, now=NIGHT)
    state.node = SETTINGS.agent_closed
    engine.step(state, Keys(SETTINGS.queue.leave_key), NIGHT)
    [(_, _, topic, _, _)] = backend.callbacks
    assert topic == SETTINGS.agent_closed


class GoneAccountBackend(MemoryBackend):
    """An account that can no longer be read (removed since the mobile was registered), or whose ID number tells no
    date of birth."""

    def __init__(self, id_number):
        super().__init__()
        self.id_number = id_number

    def account(self, reference, records=True):
        account = super().account(reference, records)
        if account is None or self.id_number is None:
            return None
        return replace(account, id_number=self.id_number)


@pytest.mark.parametrize("id_number", [None, "11010519491331002X"])
def test_an_age_that_cannot_be_known_is_not_an_older_callers(id_number):
    engine, state, reply = call(GoneAccountBackend(id_number), caller="+8613900000076")
    assert not state.elder and reply.says == (MAIN.greeting, MAIN.prompt)
    assert engine.step(state, Keys("0"), NOW).then == Enqueue(LINE.queue_name(False))


def test_an_older_caller_hears_the_agent_first_before_a_menu_with_no_prompt_of_its_own_for_them():
    engine, state, _ = call(caller="+8613900000076")
    assert not NODES["rebate_where"].elder_prompt
    reply = engine.step(state, Keys(key_for("main", "rebate")), NOW)
    assert reply.node == "rebate_where" and reply.says[0] == MESSAGES.elder_first
    assert literal(NODES["rebate_where"].prompt) in reply.says[1]


def test_only_an_older_callers_replies_are_slowed_down_and_only_where_the_line_sets_a_pace():
    engine, state, reply = call()
    assert not state.elder and engine.paced(state, reply).rate is None
    # An older caller's call on a line with no older callers' service (its settings changed during the call).
    elder_elsewhere = State(line="beijing", node=SETTINGS.start, elder=True)
    assert engine.paced(elder_elsewhere, reply).rate is None


def test_an_older_caller_who_keys_their_id_number_is_served_as_older_from_then_on():
    engine, state, _ = call(caller="+8613800000000")  # no registered mobile: the age is known only once verified
    assert not state.elder
    engine.step(state, Keys(key_for("main", "balance")), NOW)
    engine.step(state, Keys("11010519491231002X"), NOW)
    answer = engine.step(state, Keys("666666"), NOW)
    assert state.elder and state.verified is not None
    # The options after the answer, too, begin with the agent key.
    assert answer.node == "balance" and answer.says[-1].endswith(MESSAGES.elder_first + NODES["balance"].after)
    assert engine.step(state, Keys("0"), NOW).then == Enqueue(LINE.queue_name(True))


def test_without_an_agent_closed_menu_the_hours_are_said_and_the_caller_goes_home(tmp_path):
    import shutil

    from ivr.content.version import load_hotline
    from tests.prompts import ROOT

    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    settings = tmp_path / "prompts" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "\n  agent_closed: agent_closed\n" in text
    settings.write_text(text.replace("\n  agent_closed: agent_closed\n", "\n"), encoding="utf-8")
    engine = Engine(load_hotline(tmp_path / "prompts", ROOT / "data"), MemoryBackend(), caller=CALLER)
    state, _ = engine.start(SHENZHEN, NIGHT)
    reply = engine.step(state, Keys("0"), NIGHT)
    # The same hours and next opening as on the demo prompts, then the main menu instead of the agent_closed menu.
    _, demo, _ = call(now=NIGHT)
    told = Engine(HOTLINE, MemoryBackend(), caller=CALLER).step(demo, Keys("0"), NIGHT).says
    assert told[-1] == NODES[SETTINGS.agent_closed].prompt
    assert reply.says == told[:-1] + (MAIN.short,)
    assert reply.node == SETTINGS.start
