"""`ivr effort` and its warnings in `ivr check`: the seconds a caller hears and keys on the paths operators set.

The paths here are the tests' own, written into a copy of prompts/settings.yaml, so that neither today's demo paths
nor whether today's prompts meet their budgets decides a test, except where a test makes the case itself.
"""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ivr.cli import main
from ivr.content.checks import check
from ivr.content.speech import spoken_seconds
from ivr.content.version import load_hotline
from ivr.core import answers
from ivr.core.answers.balance import balance
from ivr.tools.effort import measure, render
from tests.unit.test_engine import MemoryBackend

ROOT = Path(__file__).resolve().parents[2]
CALL = "+861012393"
# A published demo account (README): a retiree of 65 on the Beijing line.
ID_NUMBER, PASSWORD = "110101196106080024", "111111"


@pytest.fixture
def project(tmp_path):
    """A copy of prompts/ (without scenarios) and data/ whose effort settings a test writes."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def script():
    return load_hotline(ROOT / "prompts", ROOT / "data").script


def balance_keys() -> list[str]:
    """The main-menu key for the balance, then the ID number and the password, each entry ended with #."""
    nodes = script().nodes
    main_key = next(key for key, target in nodes[script().settings.start].options.items()
                    if getattr(target, "go", target) == "balance")
    return [main_key, ID_NUMBER + "#", PASSWORD + "#"]


def set_effort(project: Path, paths: list[dict], main_menu: float = 120, options: float = 60) -> dict:
    """Write these paths and budgets into the copy's settings (generous budgets unless a test says otherwise)."""
    settings_file = project / "prompts" / "settings.yaml"
    document = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
    effort = {"chars_per_second": 4.5, "key_seconds": 0.6, "budgets": {"main_menu": main_menu, "options": options},
              "paths": paths}
    document["settings"]["effort"] = effort
    settings_file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return effort


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def figures(project: Path) -> dict:
    return {path.name: path for path in measure(project / "prompts", project / "data").paths}


def ran(result) -> bool:
    """The command ran to its end: it exited with a status, without an exception of its own."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def seconds(sentences) -> float:
    return sum(spoken_seconds(sentence, 4.5) for sentence in sentences)


def test_the_balance_is_the_sentences_a_caller_hears_and_the_keys_they_press(project, caller):
    keys = balance_keys()
    set_effort(project, [{"name": "first", "call": CALL, "keys": keys, "budget": 600},
                         {"name": "ahead", "call": CALL, "keys": keys, "type_ahead": True, "budget": 600}])
    # The same call through the webhooks, as Twilio plays it: what was said after each action of the caller.
    phone = caller(to=CALL)
    phone.dial()
    for pressed in keys:
        phone.press(pressed)
    *before, last = [turn.texts for turn in phone.turns]
    backend = MemoryBackend()
    facts = balance(script().answers.balance, script().reader, backend.account(backend.reference(ID_NUMBER)))
    through_facts = last[:last.index(facts[-1]) + 1]
    key_count = len("".join(keys))

    measured = figures(project)
    first, ahead = measured["first"], measured["ahead"]
    # A first-time caller hears every prompt whole, then the answer up to the end of its facts.
    assert first.speech == pytest.approx(seconds([s for said in before for s in said]) + seconds(through_facts))
    assert first.keys == ahead.keys == key_count
    assert first.total == pytest.approx(first.speech + 0.6 * key_count)
    assert first.main_menu == pytest.approx(seconds(before[0]))
    # A caller who keys ahead hears none of the prompts, only the answer.
    assert ahead.speech == pytest.approx(seconds(through_facts))
    assert first.reached == ahead.reached == "answer"
    # The balance has no notes, so its options follow the facts at once.
    assert first.options == pytest.approx(seconds(last[last.index(facts[-1]) + 1:-1]))


def test_a_longer_prompt_pushes_a_path_over_its_budget_and_check_warns_by_name(project):
    keys = balance_keys()
    set_effort(project, [{"name": "balance_first", "call": CALL, "keys": keys, "budget": 600}])
    met = figures(project)["balance_first"]
    set_effort(project, [{"name": "balance_first", "call": CALL, "keys": keys, "budget": round(met.total + 3)}])
    runner = CliRunner()
    assert runner.invoke(main, ["effort", str(project)]).exit_code == 0
    assert "balance_first" not in runner.invoke(main, ["check", str(project)]).output

    # An operator lengthens the ID prompt to three times its length.
    prompt = script().nodes[script().settings.identify].prompt
    edit(project / "prompts" / "menus.yaml", f'"{prompt}"', f'"{prompt * 3}"')
    over = figures(project)["balance_first"]
    assert over.total == pytest.approx(met.total + 2 * seconds([prompt]))
    assert not over.ok

    effort = runner.invoke(main, ["effort", str(project)])
    assert effort.exit_code == 1
    assert "balance_first" in effort.output and "over" in effort.output
    check = runner.invoke(main, ["check", str(project)])
    assert check.exit_code == 0
    warning = next(line for line in check.output.splitlines() if "balance_first" in line)
    assert "settings.yaml:" in warning and "warning" in warning and f"{over.total:.1f}" in warning
    assert runner.invoke(main, ["check", "--strict", str(project)]).exit_code == 1


def test_the_main_menu_and_the_options_have_budgets_of_their_own(project):
    set_effort(project, [{"name": "balance_first", "call": CALL, "keys": balance_keys(), "budget": 600}],
               main_menu=1, options=0)
    report = measure(project / "prompts", project / "data")
    assert not report.main_menu_ok and not report.ok
    # No notes: a budget of no seconds at all is met.
    assert report.options_ok(report.paths[0])
    check = CliRunner().invoke(main, ["check", str(project)])
    assert "main_menu" in check.output and check.exit_code == 0


def test_paths_that_never_reach_an_answer_are_reported_not_crashed_on(project):
    main_key = balance_keys()[0]
    keys = script().settings.keys
    set_effort(project, [
        # The keys run out at the ID prompt.
        {"name": "stops_at_id", "call": CALL, "keys": [main_key], "budget": 600},
        # Three silences (a lone #) at the ID prompt end the call before the last key.
        {"name": "hangs_up", "call": CALL, "keys": [main_key, "#", "#", "#", "1"], "budget": 600},
        # The agent answers before the caller's second key.
        {"name": "agent_first", "call": CALL, "keys": [keys.agent, "1"], "budget": 600},
        # A calling number on no account changes nothing.
        {"name": "from_unknown", "call": CALL, "from": "+8613000000000", "keys": [main_key, "1", PASSWORD + "#"],
         "budget": 600},
        {"name": "agent", "call": CALL, "keys": [keys.agent], "budget": 600},
    ])
    measured = figures(project)
    assert (measured["stops_at_id"].reached, measured["stops_at_id"].node) == (None, script().settings.identify)
    assert (measured["hangs_up"].ended, measured["hangs_up"].pressed, measured["hangs_up"].entries) == ("hangup", 4, 5)
    assert (measured["agent_first"].ended, measured["agent_first"].pressed) == ("agent", 1)
    assert measured["from_unknown"].reached is None
    assert measured["agent"].reached == "agent" and measured["agent"].ok
    assert not any(measured[name].ok for name in ("stops_at_id", "hangs_up", "agent_first", "from_unknown"))

    effort = CliRunner().invoke(main, ["effort", str(project)])
    assert ran(effort) and effort.exit_code == 1
    assert effort.output.count("no answer/") == 4
    check = CliRunner().invoke(main, ["check", str(project)])
    for name in ("stops_at_id", "hangs_up", "agent_first", "from_unknown"):
        assert f"path {name} " in check.output
    assert "path agent " not in check.output


def test_json_gives_every_figure(project):
    set_effort(project, [{"name": "balance_first", "call": CALL, "keys": balance_keys(), "budget": 600},
                         {"name": "stops", "call": CALL, "keys": ["1"], "budget": 600}])
    result = CliRunner().invoke(main, ["effort", "--json", str(project)])
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["ok"] is False
    first, stops = report["paths"]
    assert first["ok"] and first["reached"] == "answer" and first["keys"] == len("".join(balance_keys()))
    assert first["total"] == pytest.approx(first["speech"] + first["key_seconds"], abs=0.02)
    assert not stops["ok"] and stops["reached"] is None
    assert report["main_menu"]["budget"] == 120


def test_the_demo_paths_are_all_measured_whatever_the_prompts_say():
    """Today's demo prompts need not meet their budgets, but every path is measured and named, and none crashes."""
    result = CliRunner().invoke(main, ["effort", str(ROOT)])
    assert ran(result) and result.exit_code in (0, 1)
    report = measure(ROOT / "prompts", ROOT / "data")
    assert [path.name for path in report.paths] == [path.name for path in script().settings.effort.paths]
    for path in report.paths:
        assert path.name in result.output
    assert len(render(report)) > len(report.paths)
    assert (result.exit_code == 0) == report.ok


def test_without_demo_accounts_check_does_not_measure(project):
    set_effort(project, [{"name": "balance_first", "call": CALL, "keys": balance_keys(), "budget": 1}])
    (project / "data" / "accounts.yaml").unlink()
    assert "balance_first" not in CliRunner().invoke(main, ["check", str(project)]).output


@pytest.mark.parametrize("change, code", [
    ({"keys": ["1", "12a#"]}, "not_phone_keys"),
    ({"keys": []}, "wrong_length"),
    ({"budget": 0}, "too_small"),
])
def test_a_mistake_in_a_path_is_an_error_at_its_place(project, change, code):
    path = {"name": "balance_first", "call": CALL, "keys": ["1"], "budget": 30} | change
    set_effort(project, [path])
    errors = check(project / "prompts", project / "data").errors
    assert [(Path(p.mark.file).name, p.code) for p in errors] == [("settings.yaml", code)]
    assert "settings.effort.paths.0" in errors[0].message


def test_two_paths_of_one_name_are_an_error(project):
    set_effort(project, [{"name": "twice", "call": CALL, "keys": ["0"], "budget": 30}] * 2)
    errors = check(project / "prompts", project / "data").errors
    assert [p.code for p in errors] == ["path_twice"]
    assert "settings.effort.paths.1.name" in errors[0].message and "twice" in errors[0].message


def test_notes_between_an_answers_facts_and_its_options_are_held_to_their_budget(project, monkeypatch):
    from tests.unit.test_answer_plugins import FACT_YAML, NotedFact, add_fact_to_main_menu

    monkeypatch.setattr(answers, "KINDS", dict(answers.KINDS))
    answers.register(NotedFact)
    add_fact_to_main_menu(project / "prompts" / "menus.yaml")
    (project / "prompts" / "fact.yaml").write_text(FACT_YAML, encoding="utf-8")
    set_effort(project, [{"name": "noted", "call": CALL, "keys": ["5", ID_NUMBER + "#", PASSWORD + "#"], "budget": 600}],
               options=1)
    note = yaml.safe_load(FACT_YAML)["answers"]["fact"]["more"]
    assert seconds([note]) > 1

    report = measure(project / "prompts", project / "data")
    assert report.paths[0].options == pytest.approx(seconds([note]))
    assert report.paths[0].ok and not report.options_ok(report.paths[0]) and not report.ok
    assert CliRunner().invoke(main, ["effort", str(project)]).exit_code == 1
    check = CliRunner().invoke(main, ["check", str(project)])
    assert check.exit_code == 0 and "budgets.options" in check.output and "noted" in check.output
