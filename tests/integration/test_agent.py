"""Key 0 reaches a person during the line's agent hours and tells the hours outside them."""

import datetime as dt
from pathlib import Path

import pytest

from ivr.content.prompts import load_script
from tests.conftest import BEIJING

SCRIPT = load_script(Path(__file__).resolve().parents[2] / "prompts")
MESSAGES, READ = SCRIPT.messages, SCRIPT.reader
MAIN_SHORT = "余额请按1，缴费记录请按2，返钱标准请按3，人工服务请按0。"
# Beijing's agents answer on weekdays 8:00-12:00 and 14:30-17:30 (data/lines.yaml); the days are named once.
BEIJING_HOURS = MESSAGES.agent_closed.format(hours=MESSAGES.hours_separator.join([
    MESSAGES.hours_period.format(days=MESSAGES.days.weekdays, hours=READ.clock_range((8, 0), (12, 0))),
    MESSAGES.hours_period.format(days="", hours=READ.clock_range((14, 30), (17, 30))),
]))


@pytest.mark.parametrize("when", [
    dt.datetime(2026, 11, 23, 8, 0, tzinfo=BEIJING),
    dt.datetime(2026, 11, 23, 11, 59, tzinfo=BEIJING),
    dt.datetime(2026, 11, 27, 15, 0, tzinfo=BEIJING),  # Friday afternoon
])
def test_zero_dials_the_agent_in_hours(caller, clock, when):
    clock.now = when
    c = caller()
    c.dial()
    assert c.press("0") == ["正在为您转接人工服务，请稍候。"]
    assert c.dialled == "+861065550100"


@pytest.mark.parametrize("when", [
    dt.datetime(2026, 11, 23, 12, 0, tzinfo=BEIJING),  # lunch break
    dt.datetime(2026, 11, 23, 7, 59, tzinfo=BEIJING),
    dt.datetime(2026, 11, 23, 17, 30, tzinfo=BEIJING),
    dt.datetime(2026, 11, 22, 10, 0, tzinfo=BEIJING),  # Sunday
])
def test_zero_out_of_hours_says_the_hours_and_returns_to_the_menu(caller, clock, when):
    clock.now = when
    c = caller()
    c.dial()
    assert c.press("0") == [BEIJING_HOURS, MAIN_SHORT]
    assert c.dialled is None and not c.hung_up


def test_an_afternoon_period_names_the_afternoon_once(caller, clock):
    clock.now = dt.datetime(2026, 11, 23, 20, 0, tzinfo=BEIJING)
    c = caller()
    c.dial()
    hours = c.press("0")[0]
    # 14:30-17:30 is heard as xia-wu liang-dian-ban dao wu-dian-ban, not xia-wu ... dao xia-wu wu-dian-ban.
    assert hours.count(READ.period(14)) == 1
    assert READ.clock(14, 30) in hours and READ.clock(17, 30) not in hours


def test_hours_around_the_clock_and_daily_hours_are_read(caller, clock):
    clock.now = dt.datetime(2026, 11, 22, 3, 0, tzinfo=BEIJING)
    shanghai = caller(to="+862112393")
    shanghai.dial()
    assert shanghai.press("0") == ["正在为您转接人工服务，请稍候。"]
    assert shanghai.dialled == "+862165550100"
    shenzhen = caller(to="+8675512393")
    shenzhen.dial()
    assert shenzhen.press("0")[0] == "现在是人工服务的休息时间。人工服务时间是每天上午九点到下午六点。"


def test_zero_works_inside_answers_and_inputs(caller):
    c = caller()
    c.dial()
    c.press("1")
    assert c.press("0#") == ["正在为您转接人工服务，请稍候。"]
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    c.press("70#")
    assert c.press("0") == ["正在为您转接人工服务，请稍候。"]


def test_after_the_agent_hangs_up_the_call_ends_politely(caller):
    c = caller()
    c.dial()
    c.press("0")
    assert c.transfer_ends("completed") == ["感谢您的来电，再见。"]
    assert c.hung_up


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed"])
def test_an_unanswered_transfer_returns_to_the_menu(caller, status):
    c = caller()
    c.dial()
    c.press("0")
    assert c.transfer_ends(status) == ["对不起，人工坐席正忙，请稍后再拨。", MAIN_SHORT]
    assert not c.hung_up
