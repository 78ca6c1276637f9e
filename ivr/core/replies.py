"""What the engine answers: some sentences, then exactly one of Gather, Dial, Enqueue or Hangup, so no caller is left in
silence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gather:
    timeout: int
    finish_on_key: str
    num_digits: int | None
    # The phrases to listen for where the line takes words as well as keys (Twilio's hints); None for keys only.
    hints: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Dial:
    number: str


@dataclass(frozen=True)
class Enqueue:
    """Wait in the named Twilio queue for the next free agent, hearing one's place (the telephony layer's wait URL)."""

    queue: str


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Text:
    """A text message for the verified caller's registered mobile: the facts of the answer just heard, written."""

    body: str


@dataclass(frozen=True)
class Reply:
    says: tuple[str, ...]
    then: Gather | Dial | Enqueue | Hangup
    node: str
    # For an answer: where its facts stand in `says`, as (index of the first, index after the last). The answer's
    # notes follow them, and the options (the kind's hint and the node's `after`) are always the last sentence.
    answer: tuple[int, int] | None = None
    # Says something personal that holds no verified caller (an ID number read back): never kept for replays.
    personal: bool = False
    # A text message the caller asked for; the outer layers queue it with the step and send it in the background.
    text: Text | None = None
    # The caller's rating of the agent's service (one of ivr.core.script.RATINGS), stored with the call.
    rating: str | None = None
    # How fast the sentences are read, as an SSML prosody rate ("85%"), for an older caller on a line that slows down.
    rate: str | None = None
