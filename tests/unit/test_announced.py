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


# The main menu and the entry's help are built from their options' labels (tests/unit/test_labels.py); these cases
# edit the menus whose prompts are still written by hand.
WHERE_PROMPT = '    prompt: "查询{line_region}的标准按1，其他地区按2，主菜单按9。"'
WHERE_LAST = '      "2": rebate_area_code\n'

CASES = [
    # (old, new, the errors found: (file, line, column, code))
    (WHERE_PROMPT, '    prompt: "查询{line_region}的标准按1，其他地区按2，挂失按4，主菜单按9。"',
     [("menus.yaml", 92, 13, "key_not_in_menu")]),
    (WHERE_PROMPT, '    prompt: "查询{line_region}的标准按1，主菜单按9。"', [("menus.yaml", 95, 7, "option_not_said")]),
    ('人工按0。"\n    options:\n      "1": back', '人工按0，结束按井号。"\n    options:\n      "1": back',
     [("menus.yaml", 167, 13, "key_not_in_menu")]),
    ('    greeting: "医保热线，您好。"', '    greeting: "医保热线，您好。挂失请按5。"', [("menus.yaml", 18, 15, "key_not_in_menu")]),
    # A new option its hand-written prompt does not tell is an error at the option.
    (WHERE_LAST, WHERE_LAST + '      "3": rebate_age\n', [("menus.yaml", 96, 7, "option_not_said")]),
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


def test_an_option_added_with_its_words_in_the_prompt_is_clean(project):
    edit(project, "prompts/menus.yaml", WHERE_LAST, WHERE_LAST + '      "3": rebate_age\n')
    edit(project, "prompts/menus.yaml", "其他地区按2，主菜单按9。", "其他地区按2，按年龄查询按3，主菜单按9。")
    assert errors(project) == []


def test_the_cli_says_which_key_and_how_to_fix_it_in_chinese_and_english(project):
    edit(project, "prompts/menus.yaml", WHERE_PROMPT, '    prompt: "查询{line_region}的标准按1，其他地区按2，挂失按4，主菜单按9。"')
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 1
    chinese, english = result.output.splitlines()[:2]
    assert chinese.startswith(f"{project / 'prompts' / 'menus.yaml'}:92:13: error/错误: ")
    assert "“按4”" in chinese and "没有按键 4 的选项" in chinese
    assert "no option on the key 4" in english and "* 0 9" in english


def test_an_option_never_announced_names_the_prompt_to_say_it_in(project):
    edit(project, "prompts/menus.yaml", WHERE_PROMPT, '    prompt: "查询{line_region}的标准按1，主菜单按9。"')
    [problem] = [p for p in check(project / "prompts", project / "data").problems if not p.warning]
    assert "nodes.rebate_where.prompt (line 92)" in problem.message and "“按2”" in problem.message
    assert "nodes.rebate_where.prompt（第 92 行）" in problem.zh
