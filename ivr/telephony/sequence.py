"""Where a call stands between webhook steps: its engine state, the request it last answered, and whether it ended.

Twilio retries a request whose answer it did not receive, and whoever captured a signed request can send it again.
So every stored call remembers a fingerprint of the request it answered last (and, when the answer holds nothing
personal, that answer's TwiML): the same request again gets the same answer without acting twice, any other request
for a step that is not the current one changes nothing, and a call that ended is kept as a marker that it ended, so
that no request of it can start it again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

# Keys stored next to the engine state's own fields; the engine state never has fields of these names.
ANSWERED, TWIML, ENDED = "answered", "twiml", "ended"
EXTRA = (ANSWERED, TWIML, ENDED)


def fingerprint(route: str, seq: str | None, event: str | None, form: MultiDict) -> str:
    """What makes a request the same request again: its route, step, event and the caller's input."""
    parts = [route, seq or "", event or "", form.getlist("Digits"), form.getlist("DialCallStatus"),
             form.getlist("SpeechResult"), form.getlist("Confidence"), form.getlist("QueueResult")]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Stored:
    """A stored call as the call flow reads it."""

    # The engine state's fields as stored (checked later by State.from_dict), or None once the call ended.
    state: object | None
    # The fingerprint of the request answered last, and its TwiML when it was kept.
    answered: str = ""
    twiml: str | None = None

    @property
    def ended(self) -> bool:
        return self.state is None

    @classmethod
    def of(cls, raw) -> Stored | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            # Not something this app wrote; State.from_dict refuses it and the call starts again.
            return cls(raw)
        answered, twiml = raw.get(ANSWERED), raw.get(TWIML)
        state = None if raw.get(ENDED) is True else {k: v for k, v in raw.items() if k not in EXTRA}
        return cls(state, answered if isinstance(answered, str) else "", twiml if isinstance(twiml, str) else None)

    def is_current(self, seq: str | None) -> bool:
        """Whether a request for step `seq` is the one the call waits for.

        A state without a whole step number is not this app's; it is let through for State.from_dict to refuse.
        """
        state = self.state
        if not isinstance(state, dict) or type(state.get("seq")) is not int:
            return True
        return seq == str(state["seq"])

    def waits_for(self, key: str, seq: str | None) -> bool:
        """Whether the request is new and for the current step: the only kind that may change the call."""
        return not self.ended and key != self.answered and self.is_current(seq)


def live(state: dict, answered: str, twiml: str | None) -> dict:
    """What is stored after a step that leaves the call going."""
    stored = dict(state)
    stored[ANSWERED] = answered
    if twiml is not None:
        stored[TWIML] = twiml
    return stored


def ended(answered: str = "", twiml: str | None = None) -> dict:
    """What is kept of a call that ended: that it ended, and the answer that ended it (a retry hears it again)."""
    stored: dict = {ENDED: True}
    if answered:
        stored[ANSWERED] = answered
    if twiml is not None:
        stored[TWIML] = twiml
    return stored


def engine_state(raw) -> dict | None:
    """The engine's own fields of a stored call (None once it ended), for pages that show them."""
    stored = Stored.of(raw)
    return stored.state if stored is not None and isinstance(stored.state, dict) else None
