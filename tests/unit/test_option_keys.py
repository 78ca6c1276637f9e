"""Menu option keys as operators write them: one phone key each, however YAML reads it, and never twice."""

import shutil
from pathlib import Path

import pytest

from ivr.content.prompts import check_script
from ivr.core import answers
from ivr.core.answers import AnswerKind, register

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = ('    options:\n      "1": {go: balance, label: 余额}\n      "2": {go: payments, label: 缴费记录}\n'
           '      "3": {go: rebate, label: 返钱标准}\n')
# The main menu's last two options as the demo writes them, after a first one written by each test.
REST = '      "2": {go: payments, label: 缴费记录}\n      "3": {go: rebate, label: 返钱标准}\n'


@pytest.fixture
def menus(tmp_path):
    """Writes the main menu's options as given into a copy of the prompts and returns the problems found."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    path = tmp_path / "prompts" / "menus.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(OPTIONS) == 1

    def problems(options: str):
        path.write_text(text.replace(OPTIONS, "    options:\n" + options), encoding="utf-8")
        return [(p.code, p.message) for p in check_script(tmp_path / "prompts") if not p.warning]

    return problems


def test_unquoted_keys_are_read_as_the_keys_they_look_like(menus):
    assert menus("      1: {go: balance, label: 余额}\n      2: {go: payments, label: 缴费记录}\n"
                 "      3: {go: rebate, label: 返钱标准}\n") == []


@pytest.mark.parametrize("key", ['"12"', '"a"', '"X"', '"1 "', "10"])
def test_a_key_that_is_not_one_phone_key_is_refused_by_name(menus, key):
    problems = menus(f'      {key}: {{go: balance, label: 余额}}\n' + REST)
    assert [code for code, _ in problems] == ["phone_key"]
    assert key.strip('"') in problems[0][1]


def test_a_key_written_as_yes_is_refused(menus):
    problems = menus('      yes: {go: balance, label: 余额}\n' + REST)
    assert [code for code, _ in problems] == ["bool_key"]


def test_the_same_key_twice_is_refused_by_name(menus):
    problems = menus('      "1": {go: balance, label: 余额}\n' + REST + '      "4": rebate\n      4: main\n')
    assert [code for code, _ in problems] == ["same_key"] and "4" in problems[0][1]


class Nameless(AnswerKind):
    pass


class Greedy(AnswerKind):
    name = "greedy"
    collects = ("region", "shoe_size")


@pytest.mark.parametrize("kind", [Nameless, Greedy])
def test_a_kind_without_a_name_or_that_collects_what_no_node_can_is_refused(monkeypatch, kind):
    monkeypatch.setattr(answers, "KINDS", dict(answers.KINDS))
    with pytest.raises(ValueError):
        register(kind)
    assert kind not in answers.KINDS.values()
