"""Operators' scenarios: the shipped ones pass through the real webhooks, and a broken expectation is reported."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.tools.scenarios import load, run_all
from tests.prompts import NODES

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "prompts" / "scenarios"


@pytest.fixture(scope="module")
def shipped():
    return run_all(ROOT / "prompts", ROOT / "data", SHIPPED)


def test_every_shipped_scenario_passes(shipped):
    assert len(shipped) == len(load(SHIPPED)) >= 15
    failed = {o.name: (o.missing, o.transcript) for o in shipped if not o.passed}
    assert failed == {}


def test_the_scenarios_cover_every_node(shipped):
    """Every node of the shipped menus speaks in some scenario: the entries' help and the busy agent's menu too."""
    spoke = {sentence.node for outcome in shipped for turn in outcome.transcript for sentence in turn.sentences}
    assert set(NODES) - spoke == set()


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: balance heard wrong\n"
        '    call: "+861012393"\n'
        "    steps:\n"
        '      - press: "1"\n'
        '      - press: "440305198503150016#"\n'
        '      - press: "123456#"\n'
        '      - hear: ["一百元整"]\n',
        encoding="utf-8",
    )
    return path


def test_a_missing_phrase_fails_with_the_transcript(scenario):
    result = CliRunner().invoke(main, ["test", str(scenario)])
    assert result.exit_code == 1
    assert "FAIL/未通过: balance heard wrong" in result.output
    # The transcript shows what was said instead, and the phrase that was missing.
    assert "五千六百七十八元九角" in result.output
    assert "did not hear 一百元整" in result.output
    assert "0 passed, 1 failed" in result.output


def test_a_passing_file_exits_zero(scenario):
    text = scenario.read_text(encoding="utf-8").replace("一百元整", "五千六百七十八元九角")
    scenario.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "PASS/通过: balance heard wrong" in result.output


def test_a_misspelt_step_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text('scenarios:\n  - name: x\n    call: "+861012393"\n    steps:\n      - pres: "1"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 2
    assert f"{path}:5:" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """A copy of prompts/ and data/ that `ivr test` reads as the operator's files."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.setenv("IVR_PROMPTS", str(tmp_path / "prompts"))
    monkeypatch.setenv("IVR_DATA", str(tmp_path / "data"))
    return tmp_path


@pytest.mark.parametrize("old, new, where", [
    # An error: a voice that does not speak the language.
    ("voice: Polly.Zhiyu", "voice: Polly.Joanna", "settings.yaml:6:10:"),
    # A warning, which `ivr check --strict` fails on: a voice Twilio does not know.
    ("voice: Polly.Zhiyu", "voice: Polly.Nobody", "settings.yaml:6:10:"),
])
def test_a_broken_edit_fails_at_its_line_instead_of_testing_the_last_good_version(edited, scenario, old, new, where):
    passing = scenario.read_text(encoding="utf-8").replace("一百元整", "五千六百七十八元九角")
    scenario.write_text(passing, encoding="utf-8")
    # A good run first, so that the folders have a last good version a server would fall back on.
    assert CliRunner().invoke(main, ["test", str(scenario)]).exit_code == 0
    settings = edited / "prompts" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(scenario)])
    assert result.exit_code == 1
    assert where in result.output
    assert "PASS" not in result.output


def test_words_at_the_password_fail_the_scenario_with_their_own_sentence(tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: password said aloud\n"
        '    call: "+861012393"\n'
        "    steps:\n"
        '      - say: "余额"\n'
        '      - say: {text: "四四零三零五一九八五零三一五零零一六", confidence: 0.95}\n'
        '      - say: "对"\n'
        '      - say: "一二三四五六"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1
    assert "step 4: the hotline is not listening for words here" in result.output
