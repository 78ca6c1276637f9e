"""Which line a called number reaches, and when its agents answer."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ivr.core.lines import AgentQueue, Elder, Line, LineBook, Period

BEIJING = ZoneInfo("Asia/Shanghai")
OFFICE = Period("weekdays", dt.time(9, 0), dt.time(17, 0))
BEIJING_LINE = Line("beijing", ("+861012393",), "beijing", "+861065550100", (OFFICE,))
SHANGHAI_LINE = Line("shanghai", ("+862112393",), "shanghai", "+862165550100", None)
BOOK = LineBook(BEIJING, "shanghai", {"beijing": BEIJING_LINE, "shanghai": SHANGHAI_LINE})


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the week of Monday 23 November 2026, Beijing time."""
    return dt.datetime(2026, 11, 23 + day, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize("moment, open_", [
    (at(0, 9), True), (at(0, 16, 59), True), (at(4, 12), True),
    # Closed from the minute the hours end, before they start, and all weekend.
    (at(0, 17), False), (at(0, 8, 59), False), (at(5, 10), False), (at(6, 10), False),
])
def test_agents_answer_in_the_line_s_hours_only(moment, open_):
    assert BEIJING_LINE.agents_open(moment) is open_


def test_a_line_without_hours_is_answered_around_the_clock():
    assert SHANGHAI_LINE.agents_open(at(6, 3))


@pytest.mark.parametrize("called", ["+861012393", "+86 10 1239 3", "+86-10-12393", "tel:+861012393"])
def test_a_called_number_is_found_whatever_its_punctuation(called):
    assert BOOK.for_number(called) is BEIJING_LINE


@pytest.mark.parametrize("called", [None, "", "861012393", "+869999"])
def test_an_unknown_or_missing_number_reaches_the_default_line(called):
    assert BOOK.for_number(called) is SHANGHAI_LINE


ELDER_LINE = Line("shenzhen", ("+8675512393",), "shenzhen", "+8675565550100", None,
                  queue=AgentQueue("+8675565550199", ("+8675565550101",), 10, 900), elder=Elder(65))


@pytest.mark.parametrize("born, elder", [
    (dt.date(1961, 11, 23), True),  # 65 on the day
    (dt.date(1961, 11, 24), False),  # 65 tomorrow
    (dt.date(1940, 2, 29), True),
    (dt.date(1990, 1, 20), False),
])
def test_an_older_caller_is_one_of_the_lines_age_or_more_on_the_day(born, elder):
    assert ELDER_LINE.is_elder(born, dt.date(2026, 11, 23)) is elder
    # A line with no older callers' service treats nobody apart.
    assert not BEIJING_LINE.is_elder(born, dt.date(2026, 11, 23))


def test_older_callers_wait_in_a_queue_of_their_own():
    assert ELDER_LINE.queue_name(True) != ELDER_LINE.queue_name(False)


def test_the_access_number_finds_its_line_and_no_other_number_does():
    book = LineBook(BEIJING, "beijing", {"beijing": BEIJING_LINE, "shenzhen": ELDER_LINE})
    assert book.for_access("+86 755 6555 0199") is ELDER_LINE
    assert book.for_access("+8675512393") is None and book.for_access("") is None
