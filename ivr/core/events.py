"""What can happen in a call, as the engine sees it: keys pressed, words said, silence, or the agent's line ending."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    digits: str


@dataclass(frozen=True)
class Said:
    """Words the recogniser heard, with its confidence from 0 to 1; the engine never stores the text."""

    text: str
    confidence: float


@dataclass(frozen=True)
class Silence:
    pass


@dataclass(frozen=True)
class DialEnded:
    answered: bool


Event = Keys | Said | Silence | DialEnded
