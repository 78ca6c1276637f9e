"""`ivr check` on copies of the real prompts and data with one operator's mistake each."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content.checks import check

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path):
    """A copy of prompts/ (without scenarios) and data/ that a test may break."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def found(project: Path) -> list[tuple[str, int, int, str, bool]]:
    """(file, line, column, code, warning) of every problem."""
    report = check(project / "prompts", project / "data")
    return [(Path(p.mark.file).name, p.mark.line, p.mark.column, p.code, p.warning) for p in report.problems]


def test_the_shipped_prompts_and_data_are_clean(project):
    assert found(project) == []


MENU_MAIN = 'options:\n      "1": {go: balance, label: 余额}\n      "2": {go: payments, label: 缴费记录}\n      "3": {go: rebate, label: 返钱标准}\n'
# The main menu's last option, after which a case adds one.
LAST = '      "3": {go: rebate, label: 返钱标准}\n'

CASES = [
    # (file, old, new, (file, line, column, code, warning))
    ("menus.yaml", 'an agent 0."\n    greeting', 'an agent 0."\n  greeting', ("menus.yaml", 21, 5, "yaml_syntax", False)),
    ("menus.yaml", "    greeting: \"医保", "    greting: \"医保", ("menus.yaml", 18, 5, "unknown_field", False)),
    ("settings.yaml", "    menu: 6", "    menu: six", ("settings.yaml", 23, 11, "wrong_type", False)),
    ("settings.yaml", "  page_size: 3", "  page_size: 0", ("settings.yaml", 44, 14, "too_small", False)),
    ("menus.yaml", LAST, LAST + '      no: balance\n', ("menus.yaml", 25, 7, "bool_key", False)),
    ("menus.yaml", LAST, LAST + '      04: balance\n', ("menus.yaml", 25, 7, "converted_value", False)),
    ("menus.yaml", LAST, LAST + '      3: balance\n', ("menus.yaml", 25, 7, "same_key", False)),
    ("menus.yaml", LAST, LAST + '      "3": balance\n', ("menus.yaml", 25, 7, "duplicate_key", False)),
    ("menus.yaml", '"2": {go: payments,', '"2": {go: paymnets,', ("menus.yaml", 23, 12, "no_such_node", False)),
    ("menus.yaml", LAST, LAST + '      "0": balance\n', ("menus.yaml", 25, 7, "global_key_option", False)),
    ("menus.yaml", LAST, LAST + '      "*": balance\n', ("menus.yaml", 25, 7, "global_key_option", False)),
    ("menus.yaml", '      "2": {go: payments, label: 缴费记录}\n', '', ("menus.yaml", 52, 3, "unreachable", True)),
    ("menus.yaml", '    after: "其他地区按2，短信按8，重听按星号，主菜单按9，人工按0。"',
     '    after: "其他地区按2，短信按8，重听按星号，人工按0。"', ("menus.yaml", 71, 5, "no_way_back", True)),
    ("answers.yaml", "余额是{balance}。", "余额是{balanse}。", ("answers.yaml", 7, 11, "unknown_placeholder", False)),
    ("answers.yaml", "余额是{balance}。", "余额是多少。", ("answers.yaml", 7, 11, "placeholder_not_said", False)),
    ("menus.yaml", "还可以再试{remaining}次。", "请再试。", ("menus.yaml", 149, 14, "placeholder_not_said", False)),
    ("settings.yaml", "  voice: Polly.Zhiyu\n", "  voice: Polly.Joanna\n", ("settings.yaml", 6, 10, "voice_language", False)),
    ("settings.yaml", "  voice: Polly.Zhiyu\n", "  voice: Google.en-US-Standard-C\n", ("settings.yaml", 6, 10, "voice_language", False)),
    ("settings.yaml", "  voice: Polly.Zhiyu\n", "  voice: Polly.Zhiyou\n", ("settings.yaml", 6, 10, "unknown_voice", True)),
    ("settings.yaml", "    budget_seconds: 25", "    budget_seconds: 5", ("menus.yaml", 21, 5, "too_long", True)),
    ("regions.yaml", '        - {from_age: 70, amount: "110"}', '        - {from_age: 65, amount: "110"}', ("regions.yaml", 64, 11, "tiers_overlap", False)),
    ("regions.yaml", '{seed: "001", text: "厦门', '{seed: "004", text: "厦门', ("regions.yaml", 112, 16, "quote_not_cited", False)),
    ("regions.yaml", 'sources: ["003"]\n    quotes:\n      - {seed: "003", text: "江苏',
     'sources: ["005"]\n    quotes:\n      - {seed: "005", text: "江苏', ("regions.yaml", 241, 15, "unknown_seed", False)),
    ("answers.yaml", "每年约划入{amount}", "每年划入{amount}", ("answers.yaml", 47, 25, "estimate_words_missing", False)),
    ("menus.yaml", '      "1": [余额, 查余额,', '      "1": [余额, 转人工, 查余额,', ("menus.yaml", 35, 17, "phrase_twice", False)),
    ("menus.yaml", '      "1": [余额, 查余额,', '      "1": [余额, "。", 查余额,', ("menus.yaml", 35, 17, "phrase_empty", False)),
    ("menus.yaml", '      "1": [余额, 查余额,', '      "5": [余额, 查余额,', ("menus.yaml", 35, 7, "say_no_option", True)),
    ("regions.yaml", 'area_codes: ["0592"]', 'area_codes: ["0592", "021"]', ("regions.yaml", 114, 26, "area_code_twice", False)),
    ("regions.yaml", 'area_codes: ["0755"]', 'area_codes: [0755]', ("regions.yaml", 96, 18, "converted_value", False)),
    ("lines.yaml", 'numbers: ["+862112393", "+862112333"]', 'numbers: ["+862112393", "+861012393"]', ("lines.yaml", 21, 29, "number_twice", False)),
    ("lines.yaml", "    region: shanghai", "    region: shanghia", ("lines.yaml", 22, 13, "line_region_unknown", False)),
    ("lines.yaml", "default: beijing", "default: peking", ("lines.yaml", 5, 10, "line_default_unknown", False)),
    # The agents' access number is the hotline's too: no line's callers may dial it.
    ("lines.yaml", 'access: "+8675565550199"', 'access: "+861012393"', ("lines.yaml", 40, 17, "number_twice", False)),
    ("lines.yaml", 'elder: {age: 65, rate: "85%"}\n  chongqing', 'elder: {age: 65, rate: "fast"}\n  chongqing',
     ("lines.yaml", 47, 28, "not_a_key", False)),
]


@pytest.mark.parametrize("name, old, new, expected", CASES, ids=[case[3][3] + "-" + case[0] for case in CASES])
def test_each_mistake_is_found_where_it_was_made(project, name, old, new, expected):
    folder = "data" if name in ("regions.yaml", "lines.yaml") else "prompts"
    edit(project, f"{folder}/{name}", old, new)
    assert expected in found(project)


def test_the_cli_prints_file_line_column_in_chinese_and_english_and_fails(project):
    edit(project, "prompts/answers.yaml", "余额是{balance}。", "余额是{balanse}。")
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 1
    first, english = result.output.splitlines()[:2]
    assert first.startswith(f"{project / 'prompts' / 'answers.yaml'}:7:11: error/错误: ")
    assert "占位符 {balanse}" in first
    assert "{balanse} is not provided here" in english and "{balance}" in english
    assert "did you mean {balance}?" in english
    assert "Traceback" not in result.output


def test_warnings_pass_unless_strict(project):
    edit(project, "prompts/settings.yaml", "  voice: Polly.Zhiyu\n", "  voice: Polly.Zhiyou\n")
    runner = CliRunner()
    relaxed = runner.invoke(main, ["check", str(project)])
    strict = runner.invoke(main, ["check", "--strict", str(project)])
    assert relaxed.exit_code == 0 and "warning/警告" in relaxed.output
    assert strict.exit_code == 1
    assert runner.invoke(main, ["check", str(ROOT)]).exit_code == 0


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x00bad", b"nodes: [", b"- just\n- a list\n", b"nodes:\n  main: 3\n", b"{a: 1, a: 2}"])
def test_garbage_never_gives_a_traceback(project, garbage):
    (project / "prompts" / "menus.yaml").write_bytes(garbage)
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "menus.yaml:" in result.output


def line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def open_quote(text: str) -> str:
    """The main menu's greeting with its closing quote lost, as a slip of the keyboard leaves it."""
    return text.replace('greeting: "', 'greeting: "MARK', 1).replace('。"\n', "。\n", 1)


# The three mistakes whose messages misled: (how menus.yaml is broken, the code, the words the operator reads,
# what the line of the mistake holds).
MISLEADING = [
    # A tab that YAML names only as "mapping values are not allowed here" or "found character '\t'".
    (lambda text: text.replace("    options:\n", "    options:\n\t", 1), "tab_indent", "tab", "\t"),
    # An unquoted 01 that is the key 1 a line above: told at the 01, not at the first key of the menu.
    (lambda text: text.replace(LAST, LAST + '      01: balance\n', 1), "same_key", "unquoted 01",
     "01: balance"),
    # A closing quote left out: YAML reads on to the next quote mark and stumbles lines later.
    (open_quote, "unclosed_quote", "never closed", "MARK"),
]


@pytest.mark.parametrize("breaking, code, words, fragment", MISLEADING, ids=[case[1] for case in MISLEADING])
def test_the_misleading_yaml_mistakes_are_told_at_their_line_in_plain_words(project, breaking, code, words, fragment):
    path = project / "prompts" / "menus.yaml"
    path.write_text(breaking(path.read_text(encoding="utf-8")), encoding="utf-8")
    problems = check(project / "prompts", project / "data").problems
    assert [(p.code, p.mark.line) for p in problems] == [(code, line_of(path, fragment))]
    assert words in problems[0].message
    assert "<" not in problems[0].message and "expected" not in problems[0].message


def test_a_quote_far_from_the_next_one_is_still_told_where_it_opened(project):
    path = project / "prompts" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    # Seven lines and more without a quote mark: the quote left open runs on to the next one far below.
    path.write_text(text.replace("  language: cmn-CN\n", '  language: "cmn-CN\n', 1), encoding="utf-8")
    problems = check(project / "prompts", project / "data").problems
    assert [(p.code, p.mark.line) for p in problems] == [("unclosed_quote", line_of(path, 'language: "cmn-CN'))]


def test_every_problem_of_an_unquoted_key_is_told_at_it_once(project):
    """04 is the key 4, which paging reserves: both problems stand at the 04, and the conversion is told once."""
    edit(project, "prompts/menus.yaml", LAST, LAST + '      04: balance\n')
    path = project / "prompts" / "menus.yaml"
    problems = check(project / "prompts", project / "data").problems
    assert {p.mark.line for p in problems} == {line_of(path, "04: balance")}
    assert [p.code for p in problems].count("converted_value") + [p.code for p in problems].count("yaml_converted") == 1
