"""A new kind of answer is a registered class and a node in the prompts: no engine file changes.

The toy kind here needs a verified caller, says when the caller's account was last brought up to date with a template
of its own, and has a key of its own for one more sentence.
"""

import shutil
from pathlib import Path

import pytest

from ivr.content.checks import check
from ivr.content.prompts import check_script
from ivr.content.version import load_hotline
from ivr.core import answers
from ivr.core.answers import AnswerKind, Context, Spoken
from ivr.core.engine import Engine
from ivr.core.events import Keys
from ivr.core.replies import Gather
from ivr.core.templates import Model, Said, Template
from tests.unit.test_engine import NOW, MemoryBackend

ROOT = Path(__file__).resolve().parents[2]
ENGINE_FILES = [ROOT / "ivr" / "core" / "engine.py"]
ID_NUMBER, PASSWORD = "110108195404120012", "222222"


class FactWords(Model):
    as_of: Said("date")
    more: str


class Fact(AnswerKind):
    name = "fact"
    Templates = FactWords
    verified_caller = True
    actions = {"more_fact": None}

    def speak(self, call: Context) -> Spoken:
        return Spoken([call.words.as_of.format(date=call.read.date(call.account.as_of))])

    def act(self, call: Context, action: str) -> Spoken:
        return Spoken([call.words.more])


FACT_YAML = """\
nodes:
  fact:
    type: answer
    answer: fact
    after: "重听请按1，补充说明请按2，返回主菜单请按9。"
    options:
      "1": repeat
      "2": more_fact
answers:
  fact:
    as_of: "您的账户信息更新到{date}。"
    more: "以上信息仅供参考。"
"""


@pytest.fixture
def fact_kind(monkeypatch):
    """Fact registered in a registry of this test's own, so that no other test's prompts need its section."""
    monkeypatch.setattr(answers, "KINDS", dict(answers.KINDS))
    answers.register(Fact)
    return Fact


@pytest.fixture
def project(tmp_path):
    """Copies of prompts/ and data/ with the fact node added under key 5 of the main menu, announced in its prompts."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_fact_to_main_menu(tmp_path / "prompts" / "menus.yaml")
    (tmp_path / "prompts" / "fact.yaml").write_text(FACT_YAML, encoding="utf-8")
    return tmp_path


def add_fact_to_main_menu(menus: Path) -> None:
    """Key 5 of the main menu leads to the fact node: one option with its label, which the main menu's prompts,
    built from the labels, then announce."""
    text = menus.read_text(encoding="utf-8")
    last = '      "3": {go: rebate, label: 返钱标准}\n'
    assert text.count(last) == 1
    menus.write_text(text.replace(last, last + '      "5": {go: fact, label: 账户说明}\n'), encoding="utf-8")


def test_a_registered_kind_is_driven_by_key_presses_through_the_engine(fact_kind, project):
    hotline = load_hotline(project / "prompts", project / "data")
    backend = MemoryBackend()
    engine = Engine(hotline, backend)
    script = hotline.script
    account = backend.accounts[backend.reference(ID_NUMBER)]
    fact = script.answers.fact.as_of.format(date=script.reader.date(account.as_of))
    after = script.nodes["fact"].after

    state, _ = engine.start("+861012393", NOW)
    # The kind needs a verified caller, so the engine asks who is calling first and comes back.
    asked = engine.step(state, Keys("5"), NOW)
    assert asked.node == script.settings.identify
    engine.step(state, Keys(ID_NUMBER), NOW)
    reply = engine.step(state, Keys(PASSWORD), NOW)
    assert reply.says == tuple(filter(None, (script.messages.verified, fact, after)))
    assert reply.node == "fact" and isinstance(reply.then, Gather)
    # Its own key, handled by the kind.
    assert engine.step(state, Keys("2"), NOW).says == (script.answers.fact.more, after)
    # The node's own option and the global keys work as on any answer.
    assert engine.step(state, Keys("1"), NOW).says == (fact, after)
    assert engine.step(state, Keys(script.settings.keys.main), NOW).node == script.settings.start
    # Back again, already verified: the answer at once.
    assert engine.step(state, Keys("5"), NOW).says == (fact, after)


def test_the_kind_is_checked_like_the_shipped_ones(fact_kind, project):
    assert [p.code for p in check(project / "prompts", project / "data").problems] == []
    # Its template's placeholder must be said, as for the shipped answers.
    fact_file = project / "prompts" / "fact.yaml"
    fact_file.write_text(FACT_YAML.replace("更新到{date}。", "更新了。"), encoding="utf-8")
    problems = check_script(project / "prompts")
    assert [(Path(p.mark.file).name, p.mark.line, p.code) for p in problems] == [("fact.yaml", 11, "placeholder_not_said")]


@pytest.mark.parametrize("as_of, more, codes", [
    ("更新到{date}，{place}。", "{note}", []),
    ("更新到{place}。", "{note}", ["placeholder_not_said"]),
    ("更新到{date}{when}。", "{note}", ["unknown_placeholder"]),
    ("更新到{date}。", "仅供参考。", ["placeholder_not_said"]),
])
def test_a_kind_s_templates_may_use_the_placeholders_it_names_and_must_say_the_required(
        monkeypatch, project, as_of, more, codes):
    # Declared here, not at import, so that the declaration itself is part of what this test runs.
    class Words(Model):
        as_of: Template("place", required=("date",))
        more: Said("note")

    monkeypatch.setattr(answers, "KINDS", dict(answers.KINDS))
    answers.register(type("Fact", (Fact,), {"Templates": Words}))
    fact_file = project / "prompts" / "fact.yaml"
    fact_file.write_text(FACT_YAML.replace("更新到{date}。", as_of).replace("以上信息仅供参考。", more), encoding="utf-8")
    assert [p.code for p in check_script(project / "prompts")] == codes


def test_its_action_is_refused_outside_its_own_nodes(fact_kind, project):
    menus = project / "prompts" / "menus.yaml"
    menus.write_text(menus.read_text(encoding="utf-8").replace('{go: fact,', '{go: more_fact,'), encoding="utf-8")
    # The same action on another key than in its own node is a second, separate mistake (one key map).
    problems = [p for p in check_script(project / "prompts") if not p.warning and p.code != "action_key_differs"]
    assert [(Path(p.mark.file).name, p.mark.line, p.code) for p in problems] == [("menus.yaml", 25, "action_here")]
    assert "fact" in problems[0].message


def test_an_unknown_kind_is_an_error_at_its_line_with_the_closest_name(fact_kind, project):
    fact_file = project / "prompts" / "fact.yaml"
    fact_file.write_text(FACT_YAML.replace("answer: fact", "answer: fcat"), encoding="utf-8")
    problems = check_script(project / "prompts")
    assert [(Path(p.mark.file).name, p.mark.line, p.mark.column, p.code) for p in problems] == [
        ("fact.yaml", 4, 13, "unknown_answer")]
    message = problems[0].message
    assert "'fcat'" in message and "did you mean fact?" in message
    assert all(name in message for name in ("balance", "payments", "rebate", "fact"))
    with pytest.raises(Exception, match="fact.yaml:4:13"):
        load_hotline(project / "prompts", project / "data")


def test_without_the_registration_the_same_prompts_do_not_load(project):
    """The registry, not the engine, knows the kinds: unregistered, the kind's templates are an unknown section."""
    problems = check_script(project / "prompts")
    assert [(Path(p.mark.file).name, p.mark.line, p.code) for p in problems] == [("fact.yaml", 10, "unknown_field")]
    assert "balance, payments, rebate" in problems[0].message


def test_the_engine_names_no_answer_kind_or_action():
    for path in ENGINE_FILES:
        source = path.read_text(encoding="utf-8")
        named = [word for kind in answers.KINDS.values() for word in (kind.name, *kind.actions)
                 if f'"{word}"' in source or f"'{word}'" in source or f".{word}" in source]
        assert named == [], path


class NotedFact(Fact):
    """The fact with a note: said after the facts and before the options, and told apart from the facts."""

    def speak(self, call: Context) -> Spoken:
        return Spoken(Fact.speak(self, call).sentences, notes=[call.words.more])


def test_a_reply_tells_the_answers_facts_from_its_notes_and_options(monkeypatch, project):
    monkeypatch.setattr(answers, "KINDS", dict(answers.KINDS))
    answers.register(NotedFact)
    hotline = load_hotline(project / "prompts", project / "data")
    backend = MemoryBackend()
    engine = Engine(hotline, backend)
    words = hotline.script.answers.fact
    fact = words.as_of.format(date=hotline.script.reader.date(backend.accounts[backend.reference(ID_NUMBER)].as_of))
    after = hotline.script.nodes["fact"].after

    state, welcome = engine.start("+861012393", NOW)
    assert welcome.answer is None
    assert engine.step(state, Keys("5"), NOW).answer is None
    engine.step(state, Keys(ID_NUMBER), NOW)
    reply = engine.step(state, Keys(PASSWORD), NOW)
    start, end = reply.answer
    # The facts, then the notes, then the options as the last sentence.
    assert reply.says[start:end] == (fact,)
    assert reply.says[end:] == (words.more, after)
    # Said again, the answer opens the reply; after an apology, the facts come second.
    assert engine.step(state, Keys("1"), NOW).answer == (0, 1)
    apology = hotline.script.messages.apology
    again = engine.resume(state, NOW, [apology])
    assert again.says[:again.answer[0]] == (apology,) and again.answer == (1, 2)
