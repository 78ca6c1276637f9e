"""The caller's path: one key map, a way out of every entry, and no call that ends without saying why and what next.

Every sentence expected here comes from the prompts, so an operator's rewording does not break these tests; the
facts (a region, an amount, a day and a time) are what they hold."""

import datetime as dt
from pathlib import Path

import pytest

from ivr.content.prompts import load_script
from tests.conftest import BEIJING

SCRIPT = load_script(Path(__file__).resolve().parents[2] / "prompts")
NODES, MESSAGES, READ = SCRIPT.nodes, SCRIPT.messages, SCRIPT.reader
REBATE = SCRIPT.answers.rebate

RETIREE_65 = ("110101196106080024", "111111")
RETIREE_72 = ("110108195404120012", "222222")
LOCKED_ID = "370102195802140051"


def prompt(name: str, **values) -> str:
    return getattr(NODES[name], "prompt").format(line_region="北京", region="", password_reset="", **values)


def beijing_reset() -> str:
    ways = MESSAGES.password_reset_ways
    return MESSAGES.password_reset.format(ways=MESSAGES.password_reset_or.join([ways.counter, ways.app]))


def last(c) -> str:
    return c.heard[-1]


# One key map, and the entries' one way out.


def test_the_id_ends_by_itself_after_eighteen_keys_and_the_password_after_six(caller):
    c = caller()
    c.dial()
    c.press("1")
    assert c.press(RETIREE_65[0]) == [NODES["ask_password"].prompt]
    said = c.press(RETIREE_65[1])
    assert any(READ.amount("1234.56") in sentence for sentence in said)


def test_star_alone_in_the_id_entry_leads_back_home_or_to_an_agent(caller):
    c = caller()
    c.dial()
    c.press("1")
    assert c.press("*#") == [NODES["entry_help"].prompt]
    assert c.press("1") == [NODES["ask_id"].prompt]
    c.press("*#")
    assert c.press("9")[-1] == NODES["main"].short
    c.press("1")
    c.press("*#")
    assert c.press("0") == [MESSAGES.agent_connecting]
    assert c.dialled == "+861065550100"


def test_an_x_keyed_as_star_is_still_part_of_the_id(caller):
    c = caller()
    c.dial()
    c.press("1")
    assert c.press("11010519491231002*") == [NODES["ask_password"].prompt]


def test_the_password_help_says_how_to_reset_it_and_going_back_keeps_the_id(caller):
    c = caller()
    c.dial()
    c.press("1")
    c.press(RETIREE_65[0])
    help_said = c.press("*#")
    assert help_said == [NODES["password_help"].prompt.format(password_reset=beijing_reset())]
    assert c.press("1") == [NODES["ask_password"].prompt]
    # The ID keyed before the help is still the one the password is checked against.
    said = c.press(RETIREE_65[1])
    assert any(READ.amount("1234.56") in sentence for sentence in said)


def test_the_password_help_follows_the_line(caller):
    c = caller(to="+862112393")
    c.dial()
    c.press("1")
    c.press(RETIREE_65[0])
    ways = MESSAGES.password_reset_ways
    # Shanghai lists the app first, then the counter, then an agent (data/lines.yaml).
    expected = MESSAGES.password_reset.format(ways=MESSAGES.password_reset_or.join([ways.app, ways.counter, ways.agent]))
    assert c.press("*#")[0].startswith(expected)


def test_star_repeats_after_every_answer_and_one_is_a_wrong_key(caller):
    c = caller()
    c.dial()
    c.press("1")
    c.press(RETIREE_65[0])
    c.press(RETIREE_65[1])
    assert READ.amount("1234.56") in " ".join(c.press("*"))
    assert c.press("1")[0] == (NODES["balance"].nomatch or MESSAGES.nomatch)[0]


def test_the_options_are_said_in_full_once_then_short(caller):
    c = caller()
    c.dial()
    c.press("1")
    c.press(RETIREE_65[0])
    assert last(c) != NODES["balance"].after
    c.press(RETIREE_65[1])
    assert last(c) == NODES["balance"].after
    c.press("9")
    c.press("3")
    assert last(c) == NODES["rebate"].after_short


def test_paging_keys_page_and_mean_nothing_in_the_balance(caller):
    page = SCRIPT.answers.payments.page
    c = caller()
    c.dial()
    c.press("2")
    c.press("440305198503150016")
    c.press("123456")
    # Twelve monthly records, three a page (data/accounts.yaml, settings.page_size).
    assert page.format(page=READ.integer(2), pages=READ.count(4)) in c.press("6")
    assert page.format(page=READ.integer(1), pages=READ.count(4)) in c.press("4")
    c.press("9")
    c.press("1")
    assert c.press("6")[0] == (NODES["balance"].nomatch or MESSAGES.nomatch)[0]


# No dead ends.


def test_a_busy_agent_gives_a_choice_not_a_contradiction(caller):
    c = caller()
    c.dial()
    c.press("0")
    assert c.transfer_ends("busy") == [NODES["agent_busy"].prompt]
    assert c.press("0") == [MESSAGES.agent_connecting]
    assert c.transfer_ends("no-answer") == [NODES["agent_busy"].prompt]
    assert c.press("9") == [NODES["main"].short]
    assert not c.hung_up


@pytest.mark.parametrize("when, day, hour, minute", [
    (dt.datetime(2026, 11, 22, 10, 0, tzinfo=BEIJING), "tomorrow", 8, 0),  # Sunday
    (dt.datetime(2026, 11, 23, 12, 30, tzinfo=BEIJING), "today", 14, 30),  # Monday's lunch break
    (dt.datetime(2026, 11, 23, 7, 0, tzinfo=BEIJING), "today", 8, 0),
    (dt.datetime(2026, 11, 27, 18, 0, tzinfo=BEIJING), 0, 8, 0),  # Friday evening: Monday
    (dt.datetime(2026, 11, 28, 9, 0, tzinfo=BEIJING), 0, 8, 0),  # Saturday: Monday
])
def test_outside_hours_the_caller_hears_when_agents_next_answer(caller, clock, when, day, hour, minute):
    clock.now = when
    c = caller()
    c.dial()
    said = c.press("0")
    name = MESSAGES.weekday_names[day] if isinstance(day, int) else getattr(MESSAGES, day)
    assert MESSAGES.agent_next.format(when=name + READ.clock(hour, minute)) in said


def test_three_wrong_keys_outside_hours_say_why_the_hours_and_the_next_opening(caller, clock):
    clock.now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=BEIJING)
    c = caller()
    c.dial()
    c.press("7")
    c.press("7")
    said = c.press("7")
    assert said[0] == MESSAGES.too_many_nomatch
    assert MESSAGES.agent_next.format(when=MESSAGES.tomorrow + READ.clock(8, 0)) in said
    assert said[-1] == MESSAGES.goodbye and c.hung_up
    # Keys were received: the call never says it heard none.
    assert MESSAGES.too_many_noinput not in said


def test_silence_says_it_heard_nothing(caller):
    c = caller()
    c.dial()
    c.silence()
    c.silence()
    said = c.silence()
    assert said[0] == MESSAGES.too_many_noinput and c.hung_up


def test_a_lock_is_one_sentence_with_an_agent_in_hours(caller):
    c = caller()
    c.dial()
    c.press("1")
    said = c.press(LOCKED_ID)
    assert said == [MESSAGES.locked, MESSAGES.agent_offer, NODES["main"].short]
    assert c.press("0") == [MESSAGES.agent_connecting]


def test_a_lock_outside_hours_offers_no_agent(caller, clock):
    clock.now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=BEIJING)
    c = caller()
    c.dial()
    c.press("1")
    assert c.press(LOCKED_ID) == [MESSAGES.locked, NODES["main"].short]


# The rebate: the region is named, and a verified caller is not asked what the hotline knows.


def test_an_unidentified_caller_hears_which_region_and_how_to_choose_another(caller):
    c = caller()
    c.dial()
    assert c.press("3") == [NODES["rebate_where"].prompt.format(line_region="北京")]
    said = c.press("1")
    assert said[0] == NODES["rebate_age"].prompt.format(region="北京")
    said = c.press("65#")
    assert said[:2] == [REBATE.who, REBATE.region.format(region="北京")]
    assert "2" in said[-1] and said[-1] == NODES["rebate"].after


def test_the_retiree_note_is_said_once_per_visit(caller):
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    assert REBATE.who in c.press("65#")
    c.press("2")
    c.press("2")
    other = c.press("0755#")
    assert other[0] == REBATE.region.format(region="深圳")
    assert REBATE.who not in other


def test_a_verified_retiree_hears_their_own_rule_without_the_note_and_is_not_asked_their_age_elsewhere(caller):
    c = caller()
    c.dial()
    c.press("1")
    c.press(RETIREE_72[0])
    c.press(RETIREE_72[1])
    c.press("9")
    own = c.press("3")
    assert own[0] == REBATE.own.format(region="北京", age=READ.integer(72))
    assert REBATE.who not in own
    c.press("2")
    c.press("2")
    shanghai = c.press("021#")
    # Shanghai's rule depends on age: 72 is known from the ID number, so it is not asked.
    assert shanghai[0] == REBATE.region.format(region="上海") and REBATE.who not in shanghai
    assert NODES["rebate_age"].prompt.format(region="上海") not in shanghai
    assert READ.integer(70) in " ".join(shanghai)
