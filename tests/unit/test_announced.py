"""A menu prompt an operator writes by hand says exactly the keys its menu has: `ivr check` holds the two together."""

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content.announced import keys_said
from ivr.content.checks import check
from tests.unit.test_check import edit, found, project  # noqa: F401  (fixture)


@pytest.mark.parametrize("text, keys", [
    ("余额按1，缴费记录按2，返钱标准按3，人工按0。", ["1", "2", "3", "0"]),
    ("重听按星号，结束按井号键。", ["*", "#"]),
    ("余额请按１，重听请按＊。", ["1", "*"]),
    ("余额请按数字1。", ["1"]),
    # Not keys: a count after 按, a 按 that means "by", and what a placeholder will say.
    ("按12个月计算，按年龄分档。", []),
    ("{password_reset}重新输入按1。", ["1"]),
])
def test_the_keys_a_sentence_announces_are_read_as_callers_hear_them(text, keys):
    assert list(keys_said(text)) == keys


def errors(project) -> list[tuple[str, int, int, str]]:
    return [problem[:4] for problem in found(project) if not problem[4]]


CASES = [
    # (old, new, the errors found: (file, line, column, code))
    ('    prompt: "余额按1，缴费记录按2，返钱标准按3，人工按0。"', '    prompt: "余额按1，缴费记录按2，返钱标准按3，挂失按4，人工按0。"',
     [("menus.yaml", 15, 13, "key_not_in_menu")]),
    ('    short: "余额按1，缴费记录按2，返钱标准按3，人工按0，重听按星号。"', '    short: "余额按1，缴费记录按2，人工按0，重听按星号。"',
     [("menus.yaml", 22, 7, "option_not_said")]),
    ('    prompt: "重新输入按1，主菜单按9，人工按0。"', '    prompt: "重新输入按1，主菜单按9，人工按0，结束按井号。"',
     [("menus.yaml", 128, 13, "key_not_in_menu")]),
    ('    greeting: "医保热线，您好。"', '    greeting: "医保热线，您好。挂失请按5。"', [("menus.yaml", 14, 15, "key_not_in_menu")]),
    # A new option told in none of the prompt, the short prompt and the older callers' is an error for each, at the
    # option.
    ('      "3": rebate\n    noinput', '      "3": rebate\n      "5": agent_busy\n    noinput',
     [("menus.yaml", 23, 7, "option_not_said")] * 3),
]


@pytest.mark.parametrize("old, new, expected", CASES, ids=[f"{case[2][0][3]}-{i}" for i, case in enumerate(CASES)])
def test_a_key_announced_but_missing_or_an_option_never_announced_is_an_error_at_its_line(project, old, new, expected):
    edit(project, "prompts/menus.yaml", old, new)
    assert errors(project) == expected


@pytest.mark.parametrize("said", ["主菜单按9", "人工按0", "重听按星号"])
def test_the_global_keys_may_be_announced_in_any_menu(project, said):
    edit(project, "prompts/menus.yaml", '    prompt: "是{id_tail}本人吗？是按1，不是按2。"',
         f'    prompt: "是{{id_tail}}本人吗？是按1，不是按2，{said}。"')
    assert errors(project) == []


def test_an_option_added_with_its_words_in_every_prompt_is_clean(project):
    edit(project, "prompts/menus.yaml", '      "3": rebate\n    noinput', '      "3": rebate\n      "5": agent_busy\n    noinput')
    edit(project, "prompts/menus.yaml", "返钱标准按3，人工按0。", "返钱标准按3，坐席忙时按5，人工按0。")
    edit(project, "prompts/menus.yaml", "返钱标准按3，人工按0，重听", "返钱标准按3，坐席忙时按5，人工按0，重听")
    edit(project, "prompts/menus.yaml", "返钱标准按3。", "返钱标准按3，坐席忙时按5。")
    assert errors(project) == []


def test_the_cli_says_which_key_and_how_to_fix_it_in_chinese_and_english(project):
    edit(project, "prompts/menus.yaml", '    prompt: "余额按1，缴费记录按2，返钱标准按3，人工按0。"',
         '    prompt: "余额按1，缴费记录按2，返钱标准按3，挂失按4，人工按0。"')
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 1
    chinese, english = result.output.splitlines()[:2]
    assert chinese.startswith(f"{project / 'prompts' / 'menus.yaml'}:15:13: error/错误: ")
    assert "“按4”" in chinese and "没有按键 4 的选项" in chinese
    assert "no option on the key 4" in english and "* 0 9" in english


def test_an_option_never_announced_names_the_prompt_to_say_it_in(project):
    edit(project, "prompts/menus.yaml", '    short: "余额按1，缴费记录按2，返钱标准按3，人工按0，重听按星号。"',
         '    short: "余额按1，缴费记录按2，人工按0，重听按星号。"')
    [problem] = [p for p in check(project / "prompts", project / "data").problems if not p.warning]
    assert "nodes.main.short (line 16)" in problem.message and "“按3”" in problem.message
    assert "nodes.main.short（第 16 行）" in problem.zh
