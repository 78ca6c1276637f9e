"""A stored call state is taken back only when the current menus and data can serve it, whatever was stored."""

from pathlib import Path

import pytest

from ivr.content.version import load_hotline
from ivr.core.state import State, StateError

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = load_hotline(ROOT / "prompts", ROOT / "data")
REFERENCE = "0123456789abcdef" * 4


def stored(**changes) -> dict:
    """A state as storage gives it back: the fields of a call at the rebate answer, with what a test changes."""
    state = State(line="beijing", node="rebate", seq=4, heard=["main"], verified=REFERENCE, return_to="balance",
                  slots={"region": "shanghai", "age": 72, "own": False, "page": 1, "code": "0999", "told": True,
                         "entry": "ask_id", "topic": "main", "texts": 1, "heard_id": REFERENCE})
    return {**state.to_dict(), **changes}


def test_a_sound_state_is_taken_back_as_it_was():
    data = stored(pending=REFERENCE)
    assert State.from_dict(data, HOTLINE).to_dict() == data


def test_a_state_without_slots_or_references_is_sound():
    assert State.from_dict(stored(slots={}, verified=None, return_to=None), HOTLINE).slots == {}


def test_the_slots_of_a_state_are_its_own():
    state = State.from_dict(stored(), HOTLINE)
    state.slots["age"] = 80
    assert state.to_dict()["slots"]["age"] == 80 and stored()["slots"]["age"] == 72


@pytest.mark.parametrize("data", [
    "not a mapping",
    ["line", "node"],
    {key: value for key, value in stored().items() if key != "version"},
    {**stored(), "extra": 1},
], ids=["text", "list", "missing-field", "extra-field"])
def test_a_state_of_the_wrong_shape_is_refused(data):
    with pytest.raises(StateError):
        State.from_dict(data, HOTLINE)


@pytest.mark.parametrize("changes", [
    {"version": 3},
    {"seq": -1}, {"noinput": "1"}, {"nomatch": True}, {"seq": 1.0},
    {"verified": "abc"}, {"pending": 123}, {"verified": REFERENCE.upper()}, {"pending": REFERENCE + "0"},
    {"line": "atlantis"}, {"node": "nowhere"}, {"line": "atlantis", "node": "nowhere"},
    {"heard": "main"}, {"heard": ["main", 1]},
    {"return_to": "nowhere"},
    {"slots": []}, {"slots": {"colour": "red"}}, {"slots": {"age": "72"}}, {"slots": {"own": 1}},
    {"slots": {"region": "atlantis"}}, {"slots": {"entry": "nowhere"}}, {"slots": {"told": 1}},
    {"slots": {"topic": "nowhere"}}, {"slots": {"heard_id": "abc"}}, {"slots": {"heard_id": REFERENCE.upper()}},
], ids=lambda changes: ",".join(f"{k}={v!r}" for k, v in changes.items()))
def test_a_tampered_or_outdated_state_is_refused(changes):
    with pytest.raises(StateError):
        State.from_dict(stored(**changes), HOTLINE)
