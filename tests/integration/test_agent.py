"""Key 0 reaches a person during the line's agent hours and tells the hours outside them."""

import datetime as dt

import pytest

from tests.conftest import BEIJING
from tests.prompts import AGENT_BUSY, BEIJING_HOURS, MAIN, MESSAGES, NODES, READ, SETTINGS, hours, next_opening

AGENT_CLOSED = NODES[SETTINGS.agent_closed].prompt

MONDAY, FRIDAY, SATURDAY, SUNDAY = 23, 27, 28, 22  # days of November 2026


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize("when", [
    at(MONDAY, 8),
    at(MONDAY, 11, 59),
    at(FRIDAY, 15),
])
def test_zero_dials_the_agent_in_hours(caller, clock, when):
    clock.now = when
    c = caller()
    c.dial()
    assert c.press("0") == [MESSAGES.agent_connecting]
    assert c.dialled == "+861065550100"


@pytest.mark.parametrize("when, opens", [
    (at(MONDAY, 12), next_opening("today", 14, 30)),  # lunch break
    (at(MONDAY, 7, 59), next_opening("today", 8)),
    (at(MONDAY, 17, 30), next_opening("tomorrow", 8)),
    (at(SUNDAY, 10), next_opening("tomorrow", 8)),
    (at(FRIDAY, 20), next_opening(0, 8)),  # Monday, named by its day
    (at(SATURDAY, 10), next_opening(0, 8)),
])
def test_zero_out_of_hours_says_the_hours_and_the_next_opening_and_offers_a_call_back(caller, clock, when, opens):
    clock.now = when
    c = caller()
    c.dial()
    assert c.press("0") == [BEIJING_HOURS, opens, AGENT_CLOSED]
    assert c.dialled is None and not c.hung_up
    # No dead end: 9 is the main menu, as everywhere.
    assert c.press("9") == [MAIN.short]


def test_an_afternoon_period_names_the_afternoon_once(caller, clock):
    clock.now = dt.datetime(2026, 11, 23, 20, 0, tzinfo=BEIJING)
    c = caller()
    c.dial()
    hours = c.press("0")[0]
    # 14:30-17:30 is heard as xia-wu liang-dian-ban dao wu-dian-ban, not xia-wu ... dao xia-wu wu-dian-ban.
    assert hours.count(READ.period(14)) == 1
    assert READ.clock(14, 30) in hours and READ.clock(17, 30) not in hours


def test_hours_around_the_clock_and_daily_hours_are_read(caller, clock):
    clock.now = at(SUNDAY, 3)
    shanghai = caller(to="+862112393")
    shanghai.dial()
    assert shanghai.press("0") == [MESSAGES.agent_connecting]
    assert shanghai.dialled == "+862165550100"
    shenzhen = caller(to="+8675512393")
    shenzhen.dial()
    assert shenzhen.press("0")[:2] == [hours(("daily", (9, 0), (18, 0))), next_opening("today", 9)]


def test_zero_works_inside_answers_and_inputs(caller):
    c = caller()
    c.dial()
    c.press("1")
    assert c.press("0#") == [MESSAGES.agent_connecting]
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    c.press("70#")
    assert c.press("0") == [MESSAGES.agent_connecting]


def test_after_the_agent_hangs_up_the_caller_is_asked_to_rate_the_service(caller):
    c = caller()
    c.dial()
    c.press("0")
    assert c.transfer_ends("completed") == [NODES[SETTINGS.rating].prompt]
    assert not c.hung_up


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed"])
def test_an_unanswered_transfer_offers_a_choice_not_a_contradiction(caller, status):
    """A busy agent is no reason to tell the caller to call again and then read the menu: they choose what next."""
    c = caller()
    c.dial()
    c.press("0")
    heard = c.transfer_ends(status)
    assert heard == [AGENT_BUSY]
    assert MESSAGES.agent_busy not in heard and MAIN.short not in heard
    assert not c.hung_up and c.gather is not None


def test_after_a_busy_agent_zero_tries_again_and_nine_goes_home(caller):
    c = caller()
    c.dial()
    c.press("0")
    c.transfer_ends("busy")
    assert c.press("*") == [AGENT_BUSY]
    assert c.press("0") == [MESSAGES.agent_connecting]
    assert c.dialled == "+861065550100"
    c.transfer_ends("no-answer")
    assert c.press("9") == [MAIN.short]
