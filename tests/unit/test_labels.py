"""Menus built from their options' labels: adding an option is one entry, and every prompt of the menu names it."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content.version import load_hotline
from ivr.core.engine import Engine
from ivr.core.events import Keys, Said, Silence
from ivr.core.listening import hints
from ivr.core.replies import Hangup
from tests.prompts import KEYS, MESSAGES, NODES, READ, SETTINGS
from tests.unit.test_check import ROOT, edit, found
from tests.unit.test_engine import NOW, MemoryBackend

BEIJING_LINE = "+861012393"
# The main menu's last option as the demo writes it; a test adds its own after it.
LAST = '      "3": {go: rebate, label: 返钱标准}\n'
LABELS = SETTINGS.menu_labels


@pytest.fixture
def project(tmp_path):
    """A copy of prompts/ (without scenarios) and data/ that a test may edit."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def said(label: str, key: str) -> str:
    """One option as a built prompt says it, in the words of settings.menu_labels and reading.keys."""
    return LABELS.option.format(label=label, key=READ.key(key))


def built(options: list[tuple[str, str]], roles: list[str]) -> str:
    """A whole built prompt: the options, then the global keys named for it."""
    parts = [said(label, key) for label, key in options]
    parts += [said(getattr(LABELS.global_labels, role), getattr(KEYS, role)) for role in roles]
    return LABELS.separator.join(parts) + LABELS.ending


def main_options() -> list[tuple[str, str]]:
    return [(target.label, key) for key, target in NODES[SETTINGS.start].options.items()]


def test_the_demo_menus_are_said_as_their_labels_and_the_global_keys_build_them():
    home = [role for role in LABELS.full if role != "main"]
    assert NODES["main"].prompt == built(main_options(), home)
    assert NODES["main"].short == built(main_options(), [role for role in LABELS.short if role != "main"])
    assert NODES["entry_help"].prompt == built([(NODES["entry_help"].options["1"].label, "1")], LABELS.full)
    # The star key is said in the words of reading.yaml, not as a sign the voice might skip.
    assert READ.key(KEYS.repeat) != KEYS.repeat and READ.key(KEYS.repeat) in NODES["main"].short


def add_option(project: Path, option: str) -> None:
    edit(project, "prompts/menus.yaml", LAST, LAST + option)


def call(project: Path):
    hotline = load_hotline(project / "prompts", project / "data")
    engine = Engine(hotline, MemoryBackend())
    state, first = engine.start(BEIJING_LINE, NOW)
    return hotline, engine, state, first


def test_one_entry_adds_an_option_to_every_prompt_the_caller_hears_and_to_what_they_may_say(project):
    add_option(project, '      "5": {go: goodbye, label: 结束}\n')
    # Clean: no error nor warning about the menu. (`ivr check --strict` also measures the callers' paths of
    # settings.effort, and warns that a longer main menu takes the tightest of them over their budgets.)
    assert found(project) == []
    assert CliRunner().invoke(main, ["check", str(project)]).exit_code == 0
    hotline, engine, state, first = call(project)
    node = hotline.script.nodes[SETTINGS.start]
    new = said("结束", "5")

    # The full prompt, said first; the short one after a first wrong key or silence; the full one again after a second.
    assert first.says[-1] == node.prompt and new in node.prompt
    assert node.prompt == built(main_options() + [("结束", "5")], [r for r in LABELS.full if r != "main"])
    assert engine.step(state, Keys("7"), NOW).says == ((node.nomatch or MESSAGES.nomatch)[0],
                                                      node.short)
    assert new in node.short and said(LABELS.global_labels.repeat, KEYS.repeat) in node.short
    assert engine.step(state, Keys("7"), NOW).says[-1] == node.prompt
    assert engine.step(state, Silence(), NOW).says[-1] == node.short
    # Older callers hear the agent key first, then every option, the new one included, and no second agent key.
    lead = LABELS.elder_lead.format(key=KEYS.agent)
    assert node.elder_prompt.startswith(lead) and new in node.elder_prompt
    assert said(LABELS.global_labels.agent, KEYS.agent) not in node.elder_prompt

    # Words: the label is a phrase of its key, among the recogniser's hints and the words a re-prompt offers.
    assert "结束" in hints(hotline.script, SETTINGS.start)
    _, engine, state, _ = call(project)
    not_understood = engine.step(state, Said("天气怎么样", 0.9), NOW).says[-1]
    assert "结束" in not_understood and "余额" in not_understood
    # The phrases written under `say` still work, and the new option is taken by key and by its label.
    assert engine.step(state, Said("查余额", 0.9), NOW).node == SETTINGS.identify
    for event in (Keys("5"), Said("结束", 0.9)):
        _, engine, state, _ = call(project)
        assert engine.step(state, event, NOW).then == Hangup()


def test_a_key_named_in_words_is_said_as_reading_yaml_says_it_and_the_check_reads_it(project):
    add_option(project, '      "#": {go: goodbye, label: 结束}\n')
    hotline, *_ = call(project)
    assert said("结束", "#") in hotline.script.nodes[SETTINGS.start].prompt and READ.key("#") != "#"
    assert [problem for problem in found(project) if not problem[4]] == []


def test_a_prompt_written_by_hand_is_kept_and_the_labels_are_only_words(project):
    edit(project, "prompts/menus.yaml", '    greeting: "医保热线，您好。"\n',
         '    greeting: "医保热线，您好。"\n    prompt: "查余额按1，缴费按2，返钱按3，人工按0。"\n')
    hotline, _, _, first = call(project)
    assert first.says[-1] == "查余额按1，缴费按2，返钱按3，人工按0。"
    # Without a short prompt of its own, the menu says the whole prompt every time, as hand-written menus do.
    assert hotline.script.nodes[SETTINGS.start].short is None
    assert "余额" in hints(hotline.script, SETTINGS.start)


CASES = [
    # (file, old, new, (file, line, column, code)): what an operator can get wrong with labels.
    ("menus.yaml", LAST, LAST + '      "5": goodbye\n', ("menus.yaml", 25, 7, "option_without_label")),
    ("menus.yaml", LAST, '      "3": {go: rebate, label: ""}\n', ("menus.yaml", 24, 32, "label_empty")),
    ("menus.yaml", LAST, '      "3": {go: rebate, label: "。"}\n', ("menus.yaml", 24, 32, "label_empty")),
    ("menus.yaml", '    greeting: "医保热线，您好。"\n', '    greeting: "医保热线，您好。"\n    short: "余额按1。"\n',
     ("menus.yaml", 19, 5, "short_without_prompt")),
    ("menus.yaml", '    prompt: "人工坐席正忙。再试一次按0，人工回电按1，主菜单按9。"\n    options: {"1": callback}\n', "    options: {}\n",
     ("menus.yaml", 174, 3, "menu_without_prompt")),
    ("settings.yaml", "  menu_labels:\n", "  menu_labelz:\n", ("settings.yaml", 78, 3, "unknown_field")),
    ("menus.yaml", LAST, '      "3": {go: rebate, label: "{region}标准"}\n', ("menus.yaml", 24, 32, "unknown_placeholder")),
    # A label is what callers say for its key: the same words for another key, or for the agent, are not understood.
    ("menus.yaml", LAST, '      "3": {go: rebate, label: 人工}\n', ("menus.yaml", 24, 32, "phrase_twice")),
    ("menus.yaml", LAST, '      "3": {go: rebate, label: 查余额}\n', ("menus.yaml", 24, 32, "phrase_twice")),
    ("settings.yaml", "    short: [main, agent, repeat]", "    short: [main, agent, main]", ("settings.yaml", 83, 26, "role_twice")),
    ("settings.yaml", '    option: "{label}按{key}"', '    option: "{label}按"', ("settings.yaml", 79, 13, "placeholder_not_said")),
]


@pytest.mark.parametrize("name, old, new, expected", CASES, ids=[f"{case[3][3]}-{i}" for i, case in enumerate(CASES)])
def test_each_mistake_with_labels_is_an_error_at_its_line(project, name, old, new, expected):
    edit(project, f"prompts/{name}", old, new)
    errors = [problem[:4] for problem in found(project) if not problem[4]]
    assert expected in errors, errors


def test_without_the_settings_to_build_with_a_menu_without_prompt_is_an_error_at_the_menu(project):
    path = project / "prompts" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  menu_labels:\n")
    end = text.index("  elder_lead:", start)
    path.write_text(text[:start] + text[text.index("\n", end) + 1:], encoding="utf-8")
    errors = [problem[:4] for problem in found(project) if not problem[4]]
    assert errors == [("menus.yaml", 14, 3, "menu_labels_missing"), ("menus.yaml", 152, 3, "menu_labels_missing")]


def test_key_words_that_are_not_words_are_an_error_of_the_reading_lexicon_not_a_crash(project):
    edit(project, "prompts/reading.yaml", '  keys: {"*": "星号", "#": "井号"}', '  keys: {"*": "", "#": "井号"}')
    errors = [problem[3] for problem in found(project) if not problem[4]]
    assert errors == ["reading_incomplete"]


def test_the_cli_names_the_option_without_a_label_and_how_to_write_one(project):
    add_option(project, '      "5": goodbye\n')
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 1
    chinese, english = result.output.splitlines()[:2]
    assert chinese.startswith(f"{project / 'prompts' / 'menus.yaml'}:25:7: error/错误: ")
    assert "nodes.main.options.5" in english and "{go: goodbye, label:" in english and "label" in chinese
