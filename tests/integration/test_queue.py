"""A line that queues its callers (Shenzhen in the demo): the wait with its announcements, leaving for a call back,
an agent taking the next caller from the access number, older callers first, and long queues offered a call back.

Every request is signed as Twilio signs it and carries Twilio's documented parameters: QueuePosition,
CurrentQueueSize, AvgQueueTime, QueueTime and QueueSid to the wait URL, QueueResult to the Enqueue action,
DequeingCallSid to the <Queue> url."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import BEIJING
from tests.prompts import AGENT_BUSY, HOTLINE, MAIN, MESSAGES, NODES, READ, SETTINGS
from tests.services import postgres_url, redis_url  # noqa: F401  (fixtures)

SHENZHEN = "+8675512393"
LINE = HOTLINE.lines.lines["shenzhen"]
ACCESS, AGENT = LINE.queue.access, LINE.queue.agents[0]
# A retiree of 76 whose mobile is registered on one account (data/accounts.yaml): an older caller.
ELDER_MOBILE = "+8613900000076"
LEAVE = SETTINGS.queue.leave_key


def place(ahead: int) -> str:
    return MESSAGES.queue_next if ahead == 0 else MESSAGES.queue_ahead.format(ahead=READ.count(ahead))


def estimate(minutes: int) -> str:
    return MESSAGES.queue_estimate.format(minutes=READ.count(minutes))


@pytest.fixture
def store(app):
    return app.extensions["ivr.store"]


def queued(caller, **options):
    c = caller(to=SHENZHEN, **options)
    c.dial()
    assert c.press("0")[-1] == MESSAGES.agent_connecting
    return c


def test_zero_on_a_queueing_line_puts_the_caller_in_the_lines_queue(caller, store):
    c = queued(caller)
    assert c.queued == LINE.queue_name(False) and c.dialled is None
    assert c.wait_url.endswith("/voice/queue/wait") and "event=queue" in c.queue_action
    assert store.queue_load(c.queued, store_now()).waiting == 1


def store_now():
    return dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)


def test_the_wait_says_the_place_and_the_expected_wait_then_holds_quietly(caller):
    c = queued(caller)
    # Third in line, the queue's callers waiting two and a half minutes on average: three minutes, rounded up.
    assert c.hold(position=3, size=5, average=150) == [place(2), estimate(3), MESSAGES.queue_leave]
    # The quiet hold is the Gather's timeout, after which Twilio asks the wait URL again.
    assert int(c.gather["timeout"]) == SETTINGS.queue.announce_seconds
    assert c.after_gather.endswith("/voice/queue/wait")
    c.queue_params["QueuePosition"] = "1"
    c.queue_params["AvgQueueTime"] = "0"
    # Next in line, and no average known yet: no estimate is made up.
    assert c.silence() == [place(0), MESSAGES.queue_leave]


def test_another_key_while_waiting_hears_the_place_again(caller):
    c = queued(caller)
    c.hold(position=2, average=60)
    other = "2" if LEAVE != "2" else "3"
    assert c.press(other) == [place(1), estimate(1), MESSAGES.queue_leave]
    assert c.queued is not None


def test_the_leave_key_leaves_the_queue_for_a_call_back_kept_in_the_database(caller, store):
    c = queued(caller, from_="+8613812345678")
    c.hold(position=4, average=300)
    heard = c.press(LEAVE)
    assert heard == [MESSAGES.callback_soon, MAIN.short]
    assert c.queued is None and not c.hung_up
    [callback] = store.callbacks.open()
    assert (callback.number, callback.line, callback.topic, callback.due) == ("+8613812345678", "shenzhen", "main", None)
    assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 0


def test_an_agent_takes_the_caller_who_then_rates_the_service_as_after_a_transfer(caller, store):
    c = queued(caller)
    c.hold(position=1)
    agent = caller(to=ACCESS, from_=AGENT)
    agent.dial("/voice/agent")
    assert agent.dialled_queue == LINE.queue_name(False) and agent.queue_url.endswith("/voice/queue/answered")
    assert c.taken(agent.queue_url) == [MESSAGES.queue_answered]
    # Taken: no longer counted as waiting, so the next agent is not sent to an empty queue.
    assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 0
    # The agent's call over, the caller is asked to rate the service, as after an answered transfer.
    assert c.queue_ends("bridged") == [NODES[SETTINGS.rating].prompt]
    assert not c.hung_up


def test_the_access_number_serves_the_older_callers_queue_first(caller):
    queued(caller)
    elder = queued(caller, from_=ELDER_MOBILE)
    assert elder.queued == LINE.queue_name(True)
    agent = caller(to=ACCESS, from_=AGENT)
    agent.dial("/voice/agent")
    assert agent.dialled_queue == LINE.queue_name(True)
    elder.taken(agent.queue_url)
    second = caller(to=ACCESS, from_=AGENT)
    second.dial("/voice/agent")
    assert second.dialled_queue == LINE.queue_name(False)


@pytest.mark.parametrize("number", ["+8613800000000", "", "anonymous"])
def test_the_access_number_refuses_anyone_but_the_lines_agents(caller, number):
    queued(caller)
    stranger = caller(to=ACCESS, from_=number)
    assert stranger.dial("/voice/agent") == [MESSAGES.access_refused]
    assert stranger.hung_up and stranger.dialled_queue is None


def test_the_access_number_says_when_nobody_waits(caller):
    agent = caller(to=ACCESS, from_=AGENT)
    assert agent.dial("/voice/agent") == [MESSAGES.access_empty]
    assert agent.hung_up


def test_an_older_caller_hears_the_agent_key_first_at_a_slower_pace(caller):
    c = caller(to=SHENZHEN, from_=ELDER_MOBILE)
    heard = c.dial()
    assert heard == [MAIN.greeting, MAIN.elder_prompt]
    assert heard[1].startswith(MESSAGES.elder_first.rstrip("。"))
    says = ET.fromstring(c.last_xml).iter("Say")
    assert all(say.find("prosody").get("rate") == LINE.elder.rate for say in says)
    # A caller of another age on the same line hears the menu as usual, at the voice's own pace.
    young = caller(to=SHENZHEN)
    assert young.dial() == [MAIN.greeting, MAIN.prompt] and "prosody" not in young.last_xml


def test_a_caller_verified_as_older_hears_the_agent_key_first_from_then_on(caller):
    c = caller(to=SHENZHEN)
    c.dial()
    c.press("1")
    c.press("110108195404120012")  # aged 72
    heard = c.press("222222")
    assert heard[-1].startswith(MESSAGES.elder_first)
    assert c.press("9") == [MAIN.elder_prompt]


def test_a_long_queue_offers_a_call_back_before_joining(caller, store):
    for n in range(LINE.queue.max_waiting):
        store.queue_callers.joined(f"CAwaiting{n}", LINE.queue_name(False), store_now())
    c = caller(to=SHENZHEN)
    c.dial()
    busy = NODES[SETTINGS.queue_busy].prompt
    assert c.press("0") == [MESSAGES.queue_long.format(waiting=READ.count(LINE.queue.max_waiting)), busy]
    assert c.queued is None
    # 0 at that menu is the choice to wait anyway.
    assert c.press("0") == [MESSAGES.agent_connecting] and c.queued == LINE.queue_name(False)


def test_a_long_expected_wait_offers_a_call_back_and_the_key_keeps_it(caller, store):
    store.queue_callers.joined("CAwaiting", LINE.queue_name(False), store_now())
    store.queue_callers.heard("CAwaiting", LINE.queue.max_wait_seconds + 60, store_now())
    c = caller(to=SHENZHEN, from_="+8613812345678")
    c.dial()
    c.press("2")
    heard = c.press("0")
    assert heard[-1] == NODES[SETTINGS.queue_busy].prompt
    assert estimate(LINE.queue.max_wait_seconds // 60 + 1) in heard
    assert c.press(LEAVE) == [MESSAGES.callback_soon, MAIN.short]
    [callback] = store.callbacks.open()
    # The topic is where the caller asked for an agent: the ID prompt of the payment records.
    assert callback.topic == SETTINGS.identify


def test_outside_hours_a_call_back_is_promised_for_the_next_opening(caller, clock, store):
    clock.now = dt.datetime(2026, 11, 23, 22, 0, tzinfo=BEIJING)
    c = caller(from_="+8613812345678")
    c.dial()
    assert c.press("0")[-1] == NODES[SETTINGS.agent_closed].prompt
    when = MESSAGES.tomorrow + READ.clock(8, 0)
    assert c.press(LEAVE) == [MESSAGES.callback_next.format(when=when), MAIN.short]
    [callback] = store.callbacks.open()
    assert callback.due == dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)  # 8:00 in Beijing
    assert (callback.line, callback.topic) == ("beijing", "main")


def test_a_withheld_number_is_told_it_cannot_be_called_back(caller, clock, store):
    clock.now = dt.datetime(2026, 11, 23, 22, 0, tzinfo=BEIJING)
    c = caller(from_="anonymous")
    c.dial()
    c.press("0")
    assert c.press(LEAVE) == [MESSAGES.callback_no_number, MAIN.short]
    assert store.callbacks.open() == []


def test_a_busy_agent_menu_offers_the_call_back_too(caller, store):
    c = caller(from_="+8613812345678")
    c.dial()
    c.press("0")
    assert c.transfer_ends("busy") == [AGENT_BUSY]
    assert c.press(LEAVE) == [MESSAGES.callback_soon, MAIN.short]
    assert len(store.callbacks.open()) == 1


@pytest.mark.parametrize("result", ["queue-full", "error", "system-error", "redirected", "", "<b>"])
def test_a_queue_that_fails_leads_to_the_busy_agent_choice(caller, store, result):
    c = queued(caller)
    assert c.queue_ends(result) == [AGENT_BUSY]
    assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 0


def test_a_caller_who_hangs_up_in_the_queue_is_no_longer_counted(caller, store):
    c = queued(caller)
    assert c.queue_ends("hangup") == [] and c.hung_up
    assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 0


def test_the_status_callback_forgets_a_waiting_caller(caller, client, store):
    c = queued(caller)
    c.post("/voice/status", c.params(CallStatus="completed", CallDuration="40"))
    assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 0


def test_a_replayed_queue_action_keeps_one_call_back(caller, store):
    c = queued(caller, from_="+8613812345678")
    action = c.queue_action
    params = c.params(QueueResult="leave", QueueSid="QU" + "0" * 32, QueueTime="30")
    first = c.post(action, params)
    again = c.post(action, params)
    assert first.status_code == again.status_code == 200 and again.text == first.text
    assert len(store.callbacks.open()) == 1


@pytest.mark.parametrize("path", ["/voice/queue/wait", "/voice/queue/key", "/voice/queue/answered", "/voice/agent"])
def test_the_queue_routes_refuse_unsigned_requests(caller, path):
    c = queued(caller)
    assert c.post(path, c.params(Digits="1"), signature="forged").status_code == 403


@pytest.mark.parametrize("params", [
    {"QueuePosition": "lots", "AvgQueueTime": "-5"},
    {"QueuePosition": "99999999999", "AvgQueueTime": "1e9"},
    {"QueuePosition": ("3", "2")},
])
def test_garbled_queue_parameters_are_heard_as_unknown_never_a_500(caller, params):
    c = queued(caller)
    form = [(name, value) for name, value in c.params().items()]
    form += [(name, one) for name, value in params.items() for one in (value if isinstance(value, tuple) else (value,))]
    answer = c.post(c.wait_url, MultiDict(form))
    assert answer.status_code == 200
    c.follow(answer)
    assert c.heard == [place(0), MESSAGES.queue_leave]


def test_the_wait_url_of_a_call_that_is_over_says_goodbye(caller):
    c = queued(caller)
    wait = c.wait_url
    c.queue_ends("hangup")
    answer = c.post(wait, c.params(QueuePosition="1"))
    assert answer.status_code == 200
    c.follow(answer)
    assert c.heard == [MESSAGES.goodbye] and c.hung_up


def test_a_bad_call_sid_is_refused_with_400(caller):
    c = queued(caller)
    assert c.post(c.wait_url, c.params(CallSid="bad sid!")).status_code == 400


def test_while_the_backend_is_down_a_queueing_line_dials_its_agent_directly(tmp_path):
    """A queue needs the record of who waits and the call's state for the wait URL; the agent's number needs neither."""
    from ivr.tools.phone import Phone
    from tests.conftest import MONDAY_10AM, TOKEN, Clock
    from tests.integration.test_health import closed_port, make_app

    app = make_app(Clock(MONDAY_10AM), f"sqlite:///{tmp_path / 'ivr.sqlite'}", f"redis://127.0.0.1:{closed_port()}/0")
    try:
        call = Phone(app.test_client(), TOKEN, to=SHENZHEN)
        assert call.dial() == [MESSAGES.outage]
        assert call.press("0") == [MESSAGES.agent_connecting]
        assert call.dialled == LINE.agent_number and call.queued is None
    finally:
        app.extensions["ivr.store"].close()


def test_the_queue_with_postgres_and_redis(postgres_url, redis_url, clock):  # noqa: F811  (fixtures)
    """With the call state in Redis and the record of who waits in PostgreSQL: wait, an agent takes the call, bye."""
    from ivr import create_app
    from ivr.tools.phone import Phone
    from tests.conftest import TOKEN

    url, prefix = redis_url
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": postgres_url, "REDIS_URL": url,
                      "IVR_REDIS_PREFIX": prefix, "CLOCK": clock})
    try:
        store = app.extensions["ivr.store"]
        caller = Phone(app.test_client(), TOKEN, to=SHENZHEN)
        caller.dial()
        caller.press("0")
        assert caller.hold(position=1, average=90) == [place(0), estimate(2), MESSAGES.queue_leave]
        assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 1
        agent = Phone(app.test_client(), TOKEN, to=ACCESS, from_=AGENT)
        agent.dial("/voice/agent")
        caller.taken(agent.queue_url)
        assert caller.queue_ends("bridged") == [NODES[SETTINGS.rating].prompt]
        assert store.queue_load(LINE.queue_name(False), store_now()).waiting == 0
    finally:
        app.extensions["ivr.store"].close()


def test_a_caller_whose_end_was_never_heard_of_stops_counting_and_is_cleared(store):
    queue = LINE.queue_name(False)
    store.queue_callers.joined("CAforgotten", queue, store_now() - dt.timedelta(hours=3))
    assert store.queue_load(queue, store_now()).waiting == 0
    store.queue_callers.joined("CAnew", queue, store_now())
    assert store.queue_callers.waits("CAforgotten") is None and store.queue_load(queue, store_now()).waiting == 1
