"""What can happen in a call, as the engine sees it: keys pressed, silence, or the agent's line ending."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    digits: str


@dataclass(frozen=True)
class Silence:
    pass


@dataclass(frozen=True)
class DialEnded:
    answered: bool


Event = Keys | Silence | DialEnded
