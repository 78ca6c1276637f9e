"""One call's place in the menus, as stored between webhook steps, and the checks a stored state must pass."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.core.hotline import Hotline
from ivr.core.idnumber import check as check_id


class StateError(Exception):
    """A stored call state that cannot be trusted: unreadable, tampered with, or from an older menu."""


SLOT_TYPES = {"region": str, "code": str, "age": int, "own": bool, "page": int}


@dataclass
class State:
    line: str
    node: str
    seq: int = 0
    noinput: int = 0
    nomatch: int = 0
    heard: list[str] = field(default_factory=list)
    verified: str | None = None
    pending: str | None = None
    return_to: str | None = None
    slots: dict = field(default_factory=dict)
    # The prompts-and-data version the call started on (ivr.reload), so that an edit never changes a call midway.
    version: str = ""

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
        if not isinstance(state.version, str):
            raise StateError("the version is not text")
        ints = (state.seq, state.noinput, state.nomatch)
        if not all(type(value) is int and value >= 0 for value in ints):
            raise StateError("a counter is not a whole number")
        if state.line not in hotline.lines.lines or state.node not in hotline.script.nodes:
            raise StateError("the line or node no longer exists")
        if not isinstance(state.heard, list) or not all(isinstance(n, str) for n in state.heard):
            raise StateError("heard is not a list of node names")
        for name in ("verified", "pending"):
            value = getattr(state, name)
            if value is not None and not (isinstance(value, str) and check_id(value).ok):
                raise StateError(f"{name} is not an ID number")
        if state.return_to is not None and state.return_to not in hotline.script.nodes:
            raise StateError("return_to names no node")
        if not isinstance(state.slots, dict):
            raise StateError("slots is not a mapping")
        for key, value in state.slots.items():
            if key not in SLOT_TYPES or type(value) is not SLOT_TYPES[key]:
                raise StateError(f"slot {key!r} is not valid")
        if "region" in state.slots and state.slots["region"] not in hotline.regions.regions:
            raise StateError("the slot region names no region")
        return state
