"""docs/operators.md describes every node type, field, action, setting and scenario step there is."""

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ivr.core import answers, script
from ivr.tools import scenarios

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "operators.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`([^`\s]+?)(?::[^`]*)?`", GUIDE))


def fields(model: type[BaseModel]) -> set[str]:
    """A model's field names as operators write them (`from`, not `from_`), and those of the models it holds."""
    names = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for inner in _models(info.annotation):
            names |= fields(inner)
    return names


def _models(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _models(arg)


def literals(model: type[BaseModel]) -> set[str]:
    """The fixed words a node's fields accept (collect: id_number, answer: balance, ...)."""
    words = set()
    for info in model.model_fields.values():
        words |= {a for a in _args(info.annotation) if isinstance(a, str)}
    return words


def _args(annotation):
    for arg in getattr(annotation, "__args__", ()):
        yield arg
        yield from _args(arg)


NODE_MODELS = [script.MenuNode, script.InputNode, script.AnswerNode, script.SayNode]


def test_the_guide_is_chinese_first_then_english():
    assert GUIDE.index("## 中文") < GUIDE.index("## English")


def test_every_node_type_is_described():
    types = {model.model_fields["type"].annotation.__args__[0] for model in NODE_MODELS}
    assert types == {"menu", "input", "answer", "say"}
    assert types - DOCUMENTED == set()


def test_every_node_field_and_value_is_described():
    missing = set()
    for model in NODE_MODELS + [script.Goto]:
        missing |= (fields(model) | literals(model)) - DOCUMENTED
    assert missing == set()


def test_every_answer_kind_with_its_actions_and_slots_is_described():
    assert {"balance", "payments", "rebate"} <= set(answers.KINDS)
    for kind in answers.KINDS.values():
        assert {kind.name, *kind.actions, *kind.collects} - DOCUMENTED == set(), kind.name


def test_every_action_section_and_setting_is_described():
    assert set(script.ACTIONS) - DOCUMENTED == set()
    assert set(script.SECTIONS) - DOCUMENTED == set()
    assert fields(script.Settings) - DOCUMENTED == set()


def test_every_scenario_step_and_field_is_described():
    assert set(scenarios.STEP_KINDS) - DOCUMENTED == set()
    assert fields(scenarios.Scenario) - DOCUMENTED == set()


def test_a_field_the_guide_does_not_mention_is_caught():
    """The comparison above reports a new, undescribed field by name."""

    class Future(script.Model):
        type: Literal["menu"]
        optoins: dict[str, str]

    assert (fields(Future) | literals(Future)) - DOCUMENTED == {"optoins"}


def test_both_halves_walk_through_edit_check_test_publish_and_rollback():
    chinese, english = GUIDE.split("## English")
    for half in (chinese, english):
        for command in ("ivr check", "ivr test", "ivr publish -m", "ivr versions", "ivr diff", "ivr rollback",
                        "ivr test --version", "--author"):
            assert command in half, command
