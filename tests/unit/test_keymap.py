"""One key map: `ivr check` refuses an action on two keys and a paging key that means something else elsewhere."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.content.checks import check
from ivr.core.lines import Line, Period
from tests.unit.test_check import project  # noqa: F401  (fixture)

def errors(project: Path) -> list[tuple[str, str]]:
    return [(p.code, p.message) for p in check(project / "prompts", project / "data").problems if not p.warning]


def edit(project: Path, old: str, new: str) -> None:
    menus = project / "prompts" / "menus.yaml"
    text = menus.read_text(encoding="utf-8")
    assert text.count(old) == 1
    menus.write_text(text.replace(old, new), encoding="utf-8")


def test_the_shipped_menus_keep_one_key_map(project):
    assert errors(project) == []


def test_an_action_on_another_key_than_elsewhere_is_refused(project):
    # `back` is on 1 in entry_help; on 2 in password_help it would mean two keys for one thing.
    edit(project, '''    prompt: "{password_reset}重新输入密码按1，主菜单按9，人工按0。"
    options:
      "1": back''', '''    prompt: "{password_reset}重新输入密码按2，主菜单按9，人工按0。"
    options:
      "2": back''')
    found = errors(project)
    assert [code for code, _ in found] == ["action_key_differs"]
    assert "back" in found[0][1] and "entry_help" in found[0][1]


def test_a_paging_key_may_mean_nothing_else_anywhere(project):
    edit(project, '''      "1": {go: rebate, set: {region: line}}''', '''      "6": {go: rebate, set: {region: line}}''')
    edit(project, "的标准按1，", "的标准按6，")
    found = errors(project)
    assert [code for code, _ in found] == ["reserved_key_elsewhere"]
    assert "next_page" in found[0][1]


TZ = ZoneInfo("Asia/Shanghai")
OFFICE = Line("b", ("+1",), "beijing", "+2", (
    Period("weekdays", dt.time(8), dt.time(12)),
    Period("weekdays", dt.time(14, 30), dt.time(17, 30)),
))


@pytest.mark.parametrize("now, opening", [
    (dt.datetime(2026, 11, 23, 7, 59, tzinfo=TZ), dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ)),
    (dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ), dt.datetime(2026, 11, 23, 14, 30, tzinfo=TZ)),
    (dt.datetime(2026, 11, 23, 12, 0, tzinfo=TZ), dt.datetime(2026, 11, 23, 14, 30, tzinfo=TZ)),
    (dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ), dt.datetime(2026, 11, 24, 8, 0, tzinfo=TZ)),
    (dt.datetime(2026, 11, 27, 18, 0, tzinfo=TZ), dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)),
    (dt.datetime(2026, 11, 29, 23, 59, tzinfo=TZ), dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)),
])
def test_the_next_opening_is_the_first_start_after_now(now, opening):
    assert OFFICE.next_opening(now) == opening


def test_agents_around_the_clock_have_no_next_opening():
    assert Line("s", ("+1",), "shanghai", "+2", None).next_opening(dt.datetime(2026, 11, 23, tzinfo=TZ)) is None


def test_the_text_key_may_mean_nothing_else_anywhere(project):
    edit(project, '''      "1": {go: rebate, set: {region: line}}''', '''      "8": {go: rebate, set: {region: line}}''')
    edit(project, "的标准按1，", "的标准按8，")
    found = errors(project)
    assert [code for code, _ in found] == ["reserved_key_elsewhere"]
    assert "send_text" in found[0][1]


def test_a_text_outside_an_answer_and_a_rating_outside_the_rating_menu_are_refused(project):
    # The entry's help is built from its options' labels, so each new option is one entry.
    edit(project, '''    options:
      "1": {go: back, label: 重新输入}
''', '''    options:
      "1": {go: back, label: 重新输入}
      "5": {go: satisfied, label: 满意}
      "7": {go: send_text, label: 短信}
''')
    codes = sorted(code for code, _ in errors(project))
    # 5 and 7 are also not the keys satisfied and send_text have elsewhere.
    assert codes == ["action_key_differs", "action_key_differs", "rating_here", "text_action_here"]


def test_the_rating_menu_must_offer_every_rating(project):
    edit(project, '''      "3": dissatisfied
''', "")
    edit(project, "基本满意按2，不满意按3。", "基本满意按2。")
    found = errors(project)
    assert [code for code, _ in found] == ["rating_option_missing"] and "dissatisfied" in found[0][1]


def test_the_rating_setting_must_name_a_menu(project):
    settings = project / "prompts" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("  rating: rating\n", "  rating: balance\n"),
                        encoding="utf-8")
    codes = [code for code, _ in errors(project)]
    assert "rating_not_menu" in codes


def test_a_call_back_is_on_the_queues_leave_key_in_every_menu(project):
    # The waiting caller leaves the queue for a call back with settings.queue.leave_key; a menu may not ask for the
    # call back with another key.
    edit(project, '''    prompt: "需要人工回电请按1，主菜单按9。"
    options:
      "1": callback''', '''    prompt: "需要人工回电请按2，主菜单按9。"
    options:
      "2": callback''')
    found = errors(project)
    assert "callback_key_differs" in [code for code, _ in found]
    assert any("leave_key" in message and "agent_closed" in message for _, message in found)
