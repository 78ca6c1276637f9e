"""What can happen in a call, as the engine sees it: keys pressed, words said, silence, the agent's line ending, or leaving the agents' queue."""

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


@dataclass(frozen=True)
class QueueEnded:
    """The caller left the agents' queue: Twilio's QueueResult (bridged, leave, hangup, queue-full, error...)."""

    result: str


Event = Keys | Said | Silence | DialEnded | QueueEnded
