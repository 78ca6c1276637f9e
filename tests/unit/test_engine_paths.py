"""The engine's paths through the demo prompts, step by step without Flask: menus, wrong keys and silence, the agent,
identity, and the keyed inputs of the rebate rules. Sentences come from the script; amounts and regions are facts."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ivr.content.version import load_hotline
from ivr.core.engine import Engine
from ivr.core.events import DialEnded, Keys, Silence
from ivr.core.idnumber import check_character
from ivr.core.ports import Attempt
from ivr.core.replies import Dial, Gather, Hangup
from ivr.core.state import State
from tests.unit.test_engine import NOW, MemoryBackend

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = load_hotline(ROOT / "prompts", ROOT / "data")
SCRIPT = HOTLINE.script
SETTINGS, MESSAGES, NODES, READ = SCRIPT.settings, SCRIPT.messages, SCRIPT.nodes, SCRIPT.reader
KEYS = SETTINGS.keys
MAIN = NODES[SETTINGS.start]
ASK_ID, ASK_PASSWORD = NODES["ask_id"], NODES["ask_password"]
BEIJING_LINE, SHANGHAI_LINE = "+861012393", "+862112393"
# Monday 22:00 in Beijing: the Beijing line's agents have gone home.
NIGHT = NOW + dt.timedelta(hours=12)
MENU = Gather(SETTINGS.timeout.menu, "", 1)

def entry(node: str) -> Gather:
    """The Gather of an entry: # ends it, and an entry of known length also ends by itself after its last key."""
    return Gather(SETTINGS.timeout.input, "#", NODES[node].ends_after)


INPUT = entry("ask_id")
ID_NUMBER, PASSWORD = "110108195404120012", "222222"
WRONG_KEY = next(k for k in "12345678" if k not in MAIN.options and k not in (KEYS.main, KEYS.agent))


def key_for(node: str, target: str) -> str:
    """The key of a node's option that leads to target."""
    return next(key for key, to in NODES[node].options.items() if getattr(to, "go", to) == target)


class Call:
    """One call through the engine, keys in and replies out."""

    def __init__(self, called=BEIJING_LINE, now=NOW, backend=None):
        self.engine = Engine(HOTLINE, backend or MemoryBackend())
        self.now = now
        self.state, self.reply = self.engine.start(called, now)

    def press(self, keys: str):
        self.reply = self.engine.step(self.state, Keys(keys), self.now)
        return self.reply

    def silence(self):
        self.reply = self.engine.step(self.state, Silence(), self.now)
        return self.reply

    def verify(self, id_number=ID_NUMBER, password=PASSWORD):
        self.press(id_number)
        return self.press(password)


# The main menu.

def test_a_call_opens_with_the_greeting_and_the_whole_menu():
    call = Call()
    assert call.reply.says == (MAIN.greeting, MAIN.prompt)
    assert call.reply.then == MENU and call.reply.node == SETTINGS.start
    call.press(KEYS.repeat)
    call.press(KEYS.repeat)
    assert call.state.seq == 2


def test_the_repeat_key_says_the_whole_menu_again_without_the_greeting():
    call = Call()
    assert call.press(KEYS.repeat).says == (MAIN.prompt,)


@pytest.mark.parametrize("keys", [WRONG_KEY, WRONG_KEY * 2, "12", KEYS.main])
def test_wrong_keys_at_the_main_menu_escalate_to_an_agent(keys):
    call = Call()
    assert call.press(keys).says == (MAIN.nomatch[0], MAIN.short) and call.reply.node == SETTINGS.start
    assert call.press(keys).says == (MAIN.nomatch[1], MAIN.prompt)
    reply = call.press(keys)
    assert reply.says == (MESSAGES.too_many_nomatch, MESSAGES.agent_connecting)
    assert reply.then == Dial("+861065550100")


def test_wrong_keys_outside_agent_hours_end_the_call_with_the_hours():
    call = Call(now=NIGHT)
    for _ in range(SETTINGS.limits.nomatch):
        reply = call.press(WRONG_KEY)
    assert reply.says[0] == MESSAGES.too_many_nomatch
    # No agent to go to: the hours and when agents next answer, then goodbye.
    assert reply.says[1:3] == Call(now=NIGHT).press(KEYS.agent).says[:2]
    assert reply.says[-1] == MESSAGES.goodbye and reply.then == Hangup() and reply.node == SETTINGS.start


def test_silence_escalates_and_then_says_goodbye():
    call = Call()
    assert call.silence().says == (MAIN.noinput[0], MAIN.short)
    assert call.silence().says == (MAIN.noinput[1], MAIN.prompt)
    assert call.silence().says == (MESSAGES.too_many_noinput, MESSAGES.goodbye)
    assert call.reply.then == Hangup() and call.reply.node == SETTINGS.start


def test_a_right_key_starts_the_wrong_key_count_afresh():
    call = Call()
    call.press(WRONG_KEY)
    call.press(WRONG_KEY)
    call.press(KEYS.repeat)
    assert call.press(WRONG_KEY).says == (MAIN.nomatch[0], MAIN.short)


def test_garbled_keys_count_as_a_wrong_key():
    call = Call()
    assert call.engine.garbled(call.state, NOW).says == (MAIN.nomatch[0], MAIN.short)
    call.engine.garbled(call.state, NOW)
    assert call.state.seq == 2
    # The third is one too many, as with any wrong key: an agent while agents answer.
    reply = call.engine.garbled(call.state, NOW)
    assert reply.says == (MESSAGES.too_many_nomatch, MESSAGES.agent_connecting) and reply.then == Dial("+861065550100")


def test_resuming_says_the_node_again_without_counting_a_failure():
    call = Call()
    call.press(WRONG_KEY)
    reply = call.engine.resume(call.state, NOW, [MESSAGES.apology])
    assert reply.says == (MESSAGES.apology, MAIN.prompt) and reply.then == MENU
    assert call.state.seq == 2
    assert call.press(WRONG_KEY).says == (MAIN.nomatch[1], MAIN.prompt)


def test_a_restart_is_a_fresh_call_at_the_whole_menu_without_the_greeting():
    state, reply = Call().engine.restart(SHANGHAI_LINE, NOW, [MESSAGES.restarted])
    assert reply.says == (MESSAGES.restarted, MAIN.prompt) and reply.then == MENU
    assert (state.line, state.node, state.heard) == ("shanghai", SETTINGS.start, [SETTINGS.start])


# The agent.

def test_the_agent_key_dials_the_line_s_agents_in_their_hours():
    reply = Call(called=SHANGHAI_LINE).press(KEYS.agent)
    assert reply.says == (MESSAGES.agent_connecting,) and reply.then == Dial("+862165550100")
    assert reply.node == SETTINGS.start


def test_outside_hours_the_agent_key_says_the_hours_and_offers_a_call_back():
    reply = Call(now=NIGHT).press(KEYS.agent)
    closed = reply.says[0]
    assert closed.startswith(MESSAGES.agent_closed.split("{")[0])
    # Both periods of the Beijing line, the weekdays named once because both periods share them.
    assert READ.clock_range((8, 0), (12, 0)) in closed and READ.clock_range((14, 30), (17, 30)) in closed
    assert closed.count(MESSAGES.days.weekdays) == 1
    assert MESSAGES.hours_separator in closed
    # Monday 22:00: agents next answer on Tuesday at 8:00, tomorrow.
    assert reply.says[1] == MESSAGES.agent_next.format(when=MESSAGES.tomorrow + READ.clock(8, 0))
    # Then a call back from that opening, or the menus: never a dead end.
    assert reply.says[2:] == (NODES[SETTINGS.agent_closed].prompt,) and reply.then == MENU
    assert reply.node == SETTINGS.agent_closed


def test_after_the_agent_hangs_up_the_caller_is_asked_for_a_rating_and_a_busy_agent_leads_to_a_choice():
    call = Call()
    call.press(KEYS.agent)
    reply = call.engine.step(call.state, DialEnded(answered=True), NOW)
    assert reply.says == (NODES[SETTINGS.rating].prompt,) and reply.then == MENU and reply.node == SETTINGS.rating
    call = Call()
    call.press(KEYS.agent)
    reply = call.engine.step(call.state, DialEnded(answered=False), NOW)
    busy = NODES[SETTINGS.agent_busy]
    assert reply.says == (busy.prompt,) and reply.then == MENU and reply.node == SETTINGS.agent_busy
    # Try again, or go home.
    assert call.press(KEYS.agent).then == Dial("+861065550100")
    call.engine.step(call.state, DialEnded(answered=False), NOW)
    assert call.press(KEYS.main).says == (MAIN.short,) and call.state.node == SETTINGS.start


# Identity.

def test_an_answer_that_needs_identity_asks_for_it_and_comes_back_to_the_answer():
    call = Call()
    reply = call.press(key_for("main", "payments"))
    assert reply.says == (ASK_ID.prompt,) and reply.then == INPUT and reply.node == "ask_id"
    assert call.press(ID_NUMBER).says == (ASK_PASSWORD.prompt,)
    reply = call.press(PASSWORD)
    # The demo's `verified` is empty: nothing is said before the answer, whose first fact comes first.
    assert MESSAGES.verified == ""
    assert reply.node == "payments" and reply.says[0] == SCRIPT.answers.payments.total.format(
        years=READ.count(35), months=READ.count(6)) and reply.answer[0] == 0
    assert reply.says[-1].endswith(NODES["payments"].after)
    # Already verified, the balance is said at once.
    call.press(KEYS.main)
    assert call.press(key_for("main", "balance")).node == "balance"


@pytest.mark.parametrize("keys, problem", [
    ("123", "length"), ("11010819540412001A", "characters"), ("110108195413120012", "birth_date"),
    ("110108195404120013", "checksum"),
])
def test_a_wrong_id_number_is_asked_again_with_its_own_sentence(keys, problem):
    call = Call()
    call.press(key_for("main", "balance"))
    reply = call.press(keys)
    count = READ.count(len(keys))
    assert reply.says == (ASK_ID.errors[problem].format(count=count),) and reply.then == INPUT
    assert reply.node == "ask_id"


def test_three_wrong_id_numbers_are_too_many():
    call = Call()
    call.press(key_for("main", "balance"))
    call.press("1")
    call.press("1")
    assert call.press("1").says[0] == MESSAGES.too_many_nomatch


def test_a_locked_id_is_told_so_at_once_and_goes_back_to_the_menu():
    call = Call()
    call.press(key_for("main", "balance"))
    reply = call.press("370102195802140051")
    # In agent hours the lock is followed by the agent offer.
    assert reply.says == (MESSAGES.locked, MESSAGES.agent_offer, MAIN.short) and reply.node == SETTINGS.start


def test_wrong_passwords_count_down_and_then_lock_the_id():
    call = Call()
    call.press(key_for("main", "balance"))
    call.press(ID_NUMBER)
    attempts = SETTINGS.password.attempts
    for left in range(attempts - 1, 0, -1):
        reply = call.press("000000")
        assert reply.says == (ASK_PASSWORD.errors["wrong"].format(remaining=READ.count(left)),)
        assert reply.then == entry("ask_password") and reply.node == "ask_password"
    reply = call.press("000000")
    assert reply.says == (MESSAGES.locked, MESSAGES.agent_offer, MAIN.short)
    # Locked, the ID is refused before any password.
    call.press(key_for("main", "balance"))
    assert call.press(ID_NUMBER).says[0] == MESSAGES.locked


@pytest.mark.parametrize("keys", ["12345", "1234567", "12345a", "１２３４５６"])
def test_a_password_that_is_not_six_digits_is_asked_again_as_a_wrong_key(keys):
    call = Call()
    call.press(key_for("main", "balance"))
    call.press(ID_NUMBER)
    assert call.press(keys).says == (ASK_PASSWORD.errors["format"],)
    call.press(keys)
    assert call.press(keys).says[0] == MESSAGES.too_many_nomatch


def test_the_password_prompt_without_an_id_asks_for_the_id():
    call = Call()
    call.state.node = "ask_password"
    assert call.press(PASSWORD).says == (ASK_ID.prompt,)


class CallerLockedBackend(MemoryBackend):
    def attempt_password(self, reference, keys, caller, now, limit, caller_limit):
        return Attempt("caller_locked")


@pytest.mark.parametrize("now, then", [(NOW, MESSAGES.agent_offer), (NIGHT, None)])
def test_a_number_that_tried_too_many_passwords_is_told_so_and_where_to_get_help(now, then):
    call = Call(now=now, backend=CallerLockedBackend())
    call.press(key_for("main", "balance"))
    reply = call.verify()
    assert reply.says[0] == MESSAGES.caller_locked
    if then is None:
        # Outside hours: the agents' hours and their next opening.
        told = Call(now=NIGHT).press(KEYS.agent).says[:2]
    else:
        told = (then,)
    assert reply.says[1:] == told + (MAIN.short,) and reply.node == SETTINGS.start


def test_the_repeat_key_alone_opens_an_entry_s_help_and_the_agent_key_works_in_an_input():
    call = Call()
    call.press(key_for("main", "balance"))
    reply = call.press(KEYS.repeat)
    assert reply.says == (NODES[ASK_ID.help].prompt,) and reply.node == ASK_ID.help and reply.then == MENU
    # Back to the entry that was left.
    reply = call.press(key_for(ASK_ID.help, "back"))
    assert reply.says == (ASK_ID.prompt,) and reply.node == "ask_id" and reply.then == INPUT
    assert call.press(KEYS.agent).then == Dial("+861065550100")


# Rebate rules keyed in.

def rebate_call(called=BEIJING_LINE) -> Call:
    call = Call(called=called)
    call.press(key_for("main", "rebate"))
    return call


def test_an_unidentified_caller_chooses_the_region_first():
    call = Call()
    reply = call.press(key_for("main", "rebate"))
    assert reply.node == "rebate_where"
    assert reply.says == (NODES["rebate_where"].prompt.format(line_region="北京"),)


def test_the_line_s_region_asks_for_the_age_where_the_rule_needs_it():
    call = rebate_call()
    reply = call.press(key_for("rebate_where", "rebate"))
    assert reply.node == "rebate_age" and reply.says == (NODES["rebate_age"].prompt.format(region="北京"),)
    reply = call.press("72")
    assert reply.node == "rebate" and any(READ.amount(110) in s for s in reply.says)
    # `told`: who qualifies has been said on this visit.
    assert call.state.slots == {"region": "beijing", "age": 72, "told": True}


@pytest.mark.parametrize("age", ["00", "121", "1000", "0072", "", "七十"])
def test_an_impossible_age_is_asked_again(age):
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate"))
    assert call.press(age).says == (NODES["rebate_age"].errors["format"],)
    assert "age" not in call.state.slots


@pytest.mark.parametrize("age", ["1", "120", "075"])
def test_every_age_from_one_to_a_hundred_and_twenty_is_taken(age):
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate"))
    assert call.press(age).node == "rebate" and call.state.slots["age"] == int(age)


def test_an_area_code_chooses_the_region_and_an_unknown_one_gives_the_national_rule():
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate_area_code"))
    reply = call.press("0931")
    assert reply.node == "rebate" and call.state.slots == {"region": "gansu", "told": True}
    assert reply.says[:2] == (SCRIPT.answers.rebate.who, SCRIPT.answers.rebate.region.format(region="甘肃"))
    call.press(key_for("rebate", "other_region"))
    call.press(key_for("rebate_where", "rebate_area_code"))
    reply = call.press("0999")
    assert call.state.slots == {"own": False, "told": True, "code": "0999"}
    # Who qualifies was said with the first rule of the visit, not again.
    assert reply.says[0] == SCRIPT.answers.rebate.unknown_area.format(code=READ.digits("0999"))


def test_a_new_area_code_forgets_the_region_and_age_before():
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate"))
    call.press("72")
    call.state.node = "rebate_area_code"
    call.press("0931")
    assert call.state.slots == {"region": "gansu", "told": True}


@pytest.mark.parametrize("keys", ["5", "12345", "０１０"])
def test_a_malformed_area_code_is_asked_again(keys):
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate_area_code"))
    assert call.press(keys).says == (NODES["rebate_area_code"].errors["format"],)


def test_the_main_menu_key_forgets_what_the_caller_chose():
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate"))
    call.press("72")
    reply = call.press(KEYS.main)
    assert reply.node == SETTINGS.start and reply.says == (MAIN.short,)
    assert call.state.slots == {} and call.state.return_to is None


def test_paging_goes_through_the_answer_s_own_keys():
    call = Call()
    call.press(key_for("main", "payments"))
    call.verify("500103197911020032", "555555")
    words = SCRIPT.answers.payments
    reply = call.press(key_for("payments", "next_page"))
    assert reply.node == "payments"
    # The options were said in full after the first page; from then on, their short form.
    after = NODES["payments"].after_short
    assert reply.says[-1] == words.next_hint + words.previous_hint + after
    assert reply.says[-2] == words.page.format(page=READ.integer(2), pages=READ.count(4))
    reply = call.press(key_for("payments", "previous_page"))
    reply = call.press(key_for("payments", "previous_page"))
    assert reply.says == (MESSAGES.first_page, words.next_hint + after) and reply.node == "payments"


# Node types and actions the demo prompts do not use, in a copy of the prompts with a few nodes more.

EXTRA_NODES = """\
nodes:
  notice:
    type: say
    text: "{line_region}{region}的通知。"
    next: shortcuts
  shortcuts:
    type: menu
    prompt: "捷径菜单。"
    short: "捷径。"
    options:
      "1": main
      "2": agent
      "3": goodbye
      "5": repeat
      "7": {go: rebate, set: {region: shanghai}}
  plain_code:
    type: input
    collect: area_code
    prompt: "请输入区号。"
    next: rebate
    errors:
      format: "区号不对。"
  echo_a:
    type: say
    text: "甲。"
    next: echo_b
  echo_b:
    type: say
    text: "乙。"
    next: echo_a
"""


@pytest.fixture(scope="module")
def extra(tmp_path_factory):
    """The demo hotline with key 5 of the main menu leading to an announcement and key 7 to two that loop.
    Keys 4 and 6 page the payment records, so they may mean nothing else anywhere."""
    folder = tmp_path_factory.mktemp("extra")
    shutil.copytree(ROOT / "prompts", folder / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    menus = folder / "prompts" / "menus.yaml"
    text = menus.read_text(encoding="utf-8")
    last = '      "3": {go: rebate, label: 返钱标准}\n'
    assert text.count(last) == 1
    menus.write_text(text.replace(last, last + '      "5": {go: notice, label: 通知}\n      "7": {go: echo_a, label: 回声}\n'),
                     encoding="utf-8")
    (folder / "prompts" / "extra.yaml").write_text(EXTRA_NODES, encoding="utf-8")
    return load_hotline(folder / "prompts", ROOT / "data")


def extra_call(hotline, now=NOW) -> tuple[Engine, object]:
    engine = Engine(hotline, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, now)
    return engine, state


def test_an_announcement_is_said_and_leads_on_without_a_key(extra):
    engine, state = extra_call(extra)
    reply = engine.step(state, Keys("5"), NOW)
    # No region is chosen yet, so {region} is said as nothing.
    assert reply.says == (extra.script.nodes["notice"].text.format(line_region="北京", region=""), "捷径菜单。")
    assert reply.node == "shortcuts" and reply.then == MENU


def test_announcements_that_lead_only_to_each_other_end_at_the_main_menu(extra):
    engine, state = extra_call(extra)
    reply = engine.step(state, Keys("7"), NOW)
    # Each is said until the walk has gone further than there are nodes, then the caller is home again.
    # The copy's main menu names its two options more: its prompts are built from the options' labels.
    assert reply.says[:2] == ("甲。", "乙。") and reply.says[-1] == extra.script.nodes[SETTINGS.start].short
    assert len(reply.says) == len(extra.script.nodes) + 3 and reply.node == SETTINGS.start


# None: the copy's own short main menu, which names its options 5 and 7 as well.
@pytest.mark.parametrize("key, says, then", [
    ("1", None, MENU),
    ("2", (MESSAGES.agent_connecting,), Dial("+861065550100")),
    ("3", (MESSAGES.goodbye,), Hangup()),
    ("5", ("捷径菜单。",), MENU),
])
def test_the_global_actions_work_as_menu_options(extra, key, says, then):
    engine, state = extra_call(extra)
    engine.step(state, Keys("5"), NOW)
    state.slots["region"] = "gansu"
    engine.step(state, Keys("#"), NOW)
    reply = engine.step(state, Keys(key), NOW)
    assert (reply.says, reply.then) == (says or (extra.script.nodes[SETTINGS.start].short,), then)
    assert reply.node == ("shortcuts" if key != "1" else SETTINGS.start)
    # A right key starts the wrong-key count afresh; the main menu forgets what was chosen.
    assert state.nomatch == 0
    # Asking for an agent keeps where from, the topic of a call back the caller may ask for instead.
    expected = {} if key == "1" else {"region": "gansu", "topic": "shortcuts"} if key == "2" else {"region": "gansu"}
    assert state.slots == expected


def test_the_agent_option_outside_hours_says_the_hours_and_goes_home(extra):
    engine, state = extra_call(extra, NIGHT)
    engine.step(state, Keys("5"), NIGHT)
    reply = engine.step(state, Keys("2"), NIGHT)
    assert reply.says[0].startswith(MESSAGES.agent_closed.split("{")[0])
    assert reply.says[1:] == (MESSAGES.agent_next.format(when=MESSAGES.tomorrow + READ.clock(8, 0)),
                              extra.script.nodes[SETTINGS.agent_closed].prompt)


def test_the_wrong_key_count_starts_afresh_at_each_node():
    call = Call()
    call.press(key_for("main", "balance"))
    call.press("1")
    call.press("1")
    assert call.press(ID_NUMBER).says == (ASK_PASSWORD.prompt,)
    assert call.press("1").says == (ASK_PASSWORD.errors["format"],)
    assert call.press("1").says == (ASK_PASSWORD.errors["format"],)


def test_an_id_number_born_after_the_day_of_the_call_is_refused():
    # The call's day is the engine's clock, not the machine's: a number born two days later is not yet possible.
    born_later = "110108" + (NOW + dt.timedelta(days=2)).strftime("%Y%m%d") + "001"
    call = Call()
    call.press(key_for("main", "balance"))
    assert call.press(born_later + check_character(born_later)).says == (ASK_ID.errors["birth_date"],)


def test_going_home_forgets_an_id_keyed_without_its_password():
    call = Call()
    call.press(key_for("main", "balance"))
    call.press(ID_NUMBER)
    # The agent is busy, and the caller goes back to the main menu from the choice that follows.
    call.press(KEYS.agent)
    call.engine.step(call.state, DialEnded(answered=False), NOW)
    call.press(KEYS.main)
    assert call.state.pending is None and call.state.return_to is None
    assert State.from_dict(call.state.to_dict(), HOTLINE) == call.state


def test_silence_in_an_input_or_after_an_answer_says_its_prompt_again():
    call = Call()
    call.press(key_for("main", "balance"))
    reply = call.silence()
    assert reply.says == (MAIN.noinput[0], ASK_ID.prompt) and reply.then == INPUT and reply.node == "ask_id"
    call.verify()
    reply = call.silence()
    assert reply.says == (MAIN.noinput[0], NODES["balance"].after) and reply.then == MENU and reply.node == "balance"


def test_the_hours_name_each_run_of_days_once():
    reply = Call(now=NIGHT).press(KEYS.agent)
    periods = [MESSAGES.hours_period.format(days=MESSAGES.days.weekdays, hours=READ.clock_range((8, 0), (12, 0))),
               MESSAGES.hours_period.format(days="", hours=READ.clock_range((14, 30), (17, 30)))]
    assert reply.says[0] == MESSAGES.agent_closed.format(hours=MESSAGES.hours_separator.join(periods))


def test_an_area_code_replaces_the_region_or_code_chosen_before():
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate_area_code"))
    call.press("0999")
    call.state.node = "rebate_area_code"
    call.press("0931")
    assert call.state.slots == {"region": "gansu", "told": True}
    call.state.node = "rebate_area_code"
    call.press("0999")
    assert call.state.slots == {"code": "0999", "told": True}


class SpyBackend(MemoryBackend):
    """Records what the engine asks of the backend."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def account(self, reference, records=True):
        self.asked.append(("account", records))
        return super().account(reference, records)

    def attempt_password(self, reference, keys, caller, now, limit, caller_limit):
        self.asked.append(("password", caller, now, limit, caller_limit))
        return super().attempt_password(reference, keys, caller, now, limit, caller_limit)


def test_the_backend_is_asked_with_the_call_s_number_time_and_limits_and_for_records_only_when_they_are_read():
    backend = SpyBackend()
    engine = Engine(HOTLINE, backend, caller="+8613800000000")
    state, _ = engine.start(BEIJING_LINE, NOW)
    for keys in (key_for("main", "balance"), ID_NUMBER, PASSWORD):
        engine.step(state, Keys(keys), NOW)
    policy = SETTINGS.password
    _, caller, now, limit, caller_limit = next(a for a in backend.asked if a[0] == "password")
    assert (caller, now, caller_limit) == ("+8613800000000", NOW, HOTLINE.lines.caller_limit)
    assert (limit.attempts, limit.window) == (policy.attempts, dt.timedelta(hours=policy.window_hours))
    assert ("account", False) in backend.asked and ("account", True) not in backend.asked
    engine.step(state, Keys(KEYS.main), NOW)
    engine.step(state, Keys(key_for("main", "payments")), NOW)
    assert backend.asked[-1] == ("account", True)


def test_a_caller_who_has_not_verified_is_never_looked_up():
    backend = SpyBackend()
    engine = Engine(HOTLINE, backend)
    state, _ = engine.start(BEIJING_LINE, NOW)
    engine.step(state, Keys(key_for("main", "rebate")), NOW)
    assert backend.asked == []


def test_an_option_may_choose_a_region_of_its_own(extra):
    engine, state = extra_call(extra)
    engine.step(state, Keys("5"), NOW)
    reply = engine.step(state, Keys("7"), NOW)
    assert state.slots == {"region": "shanghai"} and reply.says == (NODES["rebate_age"].prompt.format(region="上海"),)


def test_a_verified_retiree_hears_their_own_rule_for_their_age_on_the_day_of_the_call():
    call = Call()
    call.press(key_for("main", "balance"))
    call.verify()
    call.press(KEYS.main)
    reply = call.press(key_for("main", "rebate"))
    # Born on 12 April 1954: 72 on the day of the call.
    assert reply.says[0] == SCRIPT.answers.rebate.own.format(region="北京", age=READ.integer(72))


@pytest.fixture(scope="module")
def starts_at_an_answer(tmp_path_factory):
    """The demo hotline with the rebate answer, which reads the day of the call, as its start node."""
    folder = tmp_path_factory.mktemp("answer_first")
    shutil.copytree(ROOT / "prompts", folder / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    settings = folder / "prompts" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("  start: main\n", "  start: rebate\n", 1),
                        encoding="utf-8")
    return load_hotline(folder / "prompts", ROOT / "data")


def test_every_way_home_reaches_a_start_node_that_is_an_answer(starts_at_an_answer):
    where = starts_at_an_answer.script.nodes["rebate_where"]
    engine = Engine(starts_at_an_answer, MemoryBackend())
    state, reply = engine.start(BEIJING_LINE, NOW)
    assert reply.node == "rebate_where"
    engine.step(state, Keys(key_for("rebate_where", "rebate")), NOW)
    assert engine.step(state, Keys("72"), NOW).node == "rebate"
    assert engine.step(state, Keys(KEYS.repeat), NOW).node == "rebate"
    engine.step(state, Keys(KEYS.agent), NOW)
    assert engine.step(state, DialEnded(answered=False), NOW).node == SETTINGS.agent_busy
    assert engine.step(state, Keys(KEYS.main), NOW).says[-1] == where.prompt.format(line_region="北京")
    assert engine.step(state, Keys(KEYS.agent), NIGHT).node == SETTINGS.agent_closed
    assert engine.step(state, Keys(KEYS.main), NIGHT).node == "rebate_where"
    state, reply = engine.restart(BEIJING_LINE, NOW, [])
    assert reply.node == "rebate_where"


def test_the_repeat_key_in_an_input_without_a_help_menu_says_its_prompt_again(extra):
    engine, state = extra_call(extra)
    state.node = "plain_code"
    reply = engine.step(state, Keys(KEYS.repeat), NOW)
    assert reply.says == ("请输入区号。",) and reply.node == "plain_code"
    assert reply.then == Gather(SETTINGS.timeout.input, "#", None)


# Paths the demo prompts reach only with other settings, or at other times.

def test_a_locked_id_outside_agent_hours_is_told_how_to_unlock_and_nothing_more():
    call = Call(now=NIGHT)
    call.press(key_for("main", "balance"))
    # No agent to offer, and the hours are not what a locked caller needs: the lock, then the menu.
    assert call.press("370102195802140051").says == (MESSAGES.locked, MAIN.short)


@pytest.mark.parametrize("now, day", [
    # Monday 07:00 in Beijing: agents start at 8:00 today.
    (NOW - dt.timedelta(hours=3), MESSAGES.today),
    # Friday 22:00 in Beijing: agents start again on Monday.
    (NIGHT + dt.timedelta(days=4), MESSAGES.weekday_names[0]),
])
def test_the_next_opening_names_today_or_the_day_of_the_week(now, day):
    reply = Call(now=now).press(KEYS.agent)
    assert reply.says[1] == MESSAGES.agent_next.format(when=day + READ.clock(8, 0))


def test_going_back_from_a_help_menu_without_an_entry_goes_home():
    call = Call()
    call.press(key_for("main", "balance"))
    call.press(KEYS.repeat)
    call.state.slots.pop("entry")
    reply = call.press(key_for(ASK_ID.help, "back"))
    assert reply.node == SETTINGS.start and reply.says == (MAIN.short,)


def test_the_caller_question_said_again_without_a_registration_names_no_tail():
    # The calling number's registration may end while the question is asked (the accounts loaded again).
    call = Call()
    call.state.node = SETTINGS.confirm
    assert call.press(KEYS.repeat).says == (NODES[SETTINGS.confirm].prompt.format(id_tail=""),)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The demo hotline with no agent_busy menu, too many silences leading to an agent, and a `verified` sentence
    that is said."""
    folder = tmp_path_factory.mktemp("plain")
    shutil.copytree(ROOT / "prompts", folder / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    for name, old, new in (("settings.yaml", "  agent_busy: agent_busy\n", ""),
                           ("settings.yaml", "    noinput: goodbye\n", "    noinput: agent\n"),
                           ("messages.yaml", '  verified: ""', '  verified: "验证通过。"')):
        path = folder / "prompts" / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_hotline(folder / "prompts", ROOT / "data")


def test_without_an_agent_busy_menu_a_busy_agent_is_said_and_the_caller_goes_home(plain):
    engine = Engine(plain, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    engine.step(state, Keys(KEYS.agent), NOW)
    reply = engine.step(state, DialEnded(answered=False), NOW)
    assert reply.says == (plain.script.messages.agent_busy, MAIN.short) and reply.node == SETTINGS.start


def test_a_verified_sentence_is_said_before_the_answer(plain):
    engine = Engine(plain, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    for keys in (key_for("main", "balance"), ID_NUMBER):
        engine.step(state, Keys(keys), NOW)
    reply = engine.step(state, Keys(PASSWORD), NOW)
    assert reply.says[0] == "验证通过。" and reply.node == "balance" and reply.answer[0] == 1


def test_too_many_silences_may_lead_to_an_agent(plain):
    engine = Engine(plain, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    for _ in range(SETTINGS.limits.noinput):
        reply = engine.step(state, Silence(), NOW)
    assert reply.says == (MESSAGES.too_many_noinput, MESSAGES.agent_connecting) and reply.then == Dial("+861065550100")


def test_too_many_malformed_area_codes_lead_to_an_agent():
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate_area_code"))
    for _ in range(SETTINGS.limits.nomatch):
        reply = call.press("5")
    assert reply.says == (MESSAGES.too_many_nomatch, MESSAGES.agent_connecting) and reply.then == Dial("+861065550100")


def test_a_lock_and_a_help_menu_without_an_entry_reach_a_start_node_that_is_an_answer(starts_at_an_answer):
    # The start answer reads the day of the call: each way home must carry the time of the step.
    where = starts_at_an_answer.script.nodes["rebate_where"]
    engine = Engine(starts_at_an_answer, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    state.node = "ask_id"
    reply = engine.step(state, Keys("370102195802140051"), NOW)
    assert reply.says == (MESSAGES.locked, MESSAGES.agent_offer, where.prompt.format(line_region="北京"))
    state.node = ASK_ID.help
    assert engine.step(state, Keys(key_for(ASK_ID.help, "back")), NOW).node == "rebate_where"
    engine = Engine(starts_at_an_answer, CallerLockedBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    state.node, state.pending = "ask_password", "0" * 64
    assert engine.step(state, Keys(PASSWORD), NOW).says[:2] == (MESSAGES.caller_locked, MESSAGES.agent_offer)


@pytest.mark.parametrize("called, ways", [(BEIJING_LINE, ("counter", "app")), (SHANGHAI_LINE, ("app", "counter", "agent"))])
def test_star_at_the_password_says_how_the_line_s_callers_reset_a_password(called, ways):
    call = Call(called=called)
    call.press(key_for("main", "balance"))
    call.press(ID_NUMBER)
    reply = call.press(KEYS.repeat)
    # The line's ways, in its order, joined into the one sentence of the messages.
    joined = MESSAGES.password_reset_or.join(getattr(MESSAGES.password_reset_ways, way) for way in ways)
    reset = MESSAGES.password_reset.format(ways=joined)
    assert reply.says == (NODES["password_help"].prompt.format(password_reset=reset),)
    assert reply.node == "password_help" and reply.then == MENU
    assert call.press(key_for("password_help", "back")).says == (ASK_PASSWORD.prompt,)


def test_too_many_impossible_ages_lead_to_an_agent():
    call = rebate_call()
    call.press(key_for("rebate_where", "rebate"))
    for _ in range(SETTINGS.limits.nomatch):
        reply = call.press("121")
    assert reply.says == (MESSAGES.too_many_nomatch, MESSAGES.agent_connecting) and reply.then == Dial("+861065550100")
