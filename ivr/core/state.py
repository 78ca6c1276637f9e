"""One call's place in the menus, as stored between webhook steps, and the checks a stored state must pass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ivr.core.hotline import Hotline


class StateError(Exception):
    """A stored call state that cannot be trusted: unreadable, tampered with, or from an older menu."""


# What verified and pending hold: the keyed hash that stands for an ID number (ivr.core.ports.Backend.reference),
# never the number itself, so that stored call state names nobody.
REFERENCE = re.compile(r"^[0-9a-f]{64}$")

# `entry`: the entry prompt a caller left for its help menu; `told`: the rebate's who-qualifies note was said;
# `unsure`: the key words seemed to stand for, while the caller is asked to confirm it (ivr.core.listening);
# `heard_id`: the reference of an ID number said aloud, while it is read back for the caller to confirm;
# `texts`: how many text messages the call has asked for (kept across the main menu, for settings.texts_per_call).
# `topic`: the node where the caller first asked for an agent, kept with a call-back request.
SLOT_TYPES = {"region": str, "code": str, "age": int, "own": bool, "page": int, "entry": str, "told": bool,
              "unsure": str, "heard_id": str, "texts": int, "topic": str}


@dataclass
class State:
    line: str
    node: str
    seq: int = 0
    noinput: int = 0
    nomatch: int = 0
    heard: list[str] = field(default_factory=list)
    # References (keyed hashes) of the ID verified in this call and of the one keyed but not yet verified.
    verified: str | None = None
    pending: str | None = None
    return_to: str | None = None
    slots: dict = field(default_factory=dict)
    # The prompts-and-data version the call started on (ivr.reload), so that an edit never changes a call midway.
    version: str = ""
    # An older caller (data/lines.yaml `elder`): the agent key first, the front of the queue, slower prompts.
    elder: bool = False

    def to_dict(self) -> dict:
        # Every step saves the state: a shallow copy (heard and slots hold only text and numbers) costs a fraction
        # of dataclasses.asdict's deep one.
        data = dict(vars(self))
        data["heard"], data["slots"] = list(self.heard), dict(self.slots)
        return data

    @classmethod
    def from_dict(cls, data, hotline: Hotline) -> State:
        """Rebuild a stored state, refusing anything the current menus and data cannot serve."""
        if not isinstance(data, dict) or set(data) != set(cls.__dataclass_fields__):
            raise StateError("the state has the wrong fields")
        state = cls(**data)
        for check in (_check_kinds, _check_names, _check_slots):
            problem = check(state, hotline)
            if problem:
                raise StateError(problem)
        return state


def _is_count(value) -> bool:
    return type(value) is int and value >= 0


def _check_kinds(state: State, _hotline: Hotline) -> str:
    """What is wrong with the state's plain values ("" if nothing)."""
    if not isinstance(state.version, str):
        return "the version is not text"
    if type(state.elder) is not bool:
        return "elder is not true or false"
    if not all(_is_count(value) for value in (state.seq, state.noinput, state.nomatch)):
        return "a counter is not a whole number"
    for name in ("verified", "pending"):
        value = getattr(state, name)
        if value is not None and not (isinstance(value, str) and REFERENCE.match(value)):
            return f"{name} is not a reference"
    return ""


def _check_names(state: State, hotline: Hotline) -> str:
    """What is wrong with the names of lines and nodes the state holds ("" if nothing)."""
    nodes = hotline.script.nodes
    if state.line not in hotline.lines.lines or state.node not in nodes:
        return "the line or node no longer exists"
    if not isinstance(state.heard, list) or not all(isinstance(n, str) for n in state.heard):
        return "heard is not a list of node names"
    if state.return_to is not None and state.return_to not in nodes:
        return "return_to names no node"
    return ""


def _check_slots(state: State, hotline: Hotline) -> str:
    """What is wrong with the state's slots ("" if nothing)."""
    if not isinstance(state.slots, dict):
        return "slots is not a mapping"
    for key, value in state.slots.items():
        if key not in SLOT_TYPES or type(value) is not SLOT_TYPES[key]:
            return f"slot {key!r} is not valid"
    if "region" in state.slots and state.slots["region"] not in hotline.regions.regions:
        return "the slot region names no region"
    for slot in ("entry", "topic"):
        if slot in state.slots and state.slots[slot] not in hotline.script.nodes:
            return f"the slot {slot} names no node"
    if "heard_id" in state.slots and not REFERENCE.match(state.slots["heard_id"]):
        return "the slot heard_id is not a reference"
    return ""
