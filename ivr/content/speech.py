"""How long a sentence takes to say: the one estimate behind `ivr check`'s length warnings and `ivr effort`."""

from __future__ import annotations

import re

from ivr.content.prompts import placeholders_in

# A placeholder is filled with an amount, a date or a name, read out in about five syllables.
PLACEHOLDER_SYLLABLES = 5
# A comma or a full stop is a short pause in synthesised speech.
PAUSE_SECONDS = 0.3
_SYLLABLE = re.compile(r"[\u3400-\u9fff0-9*#]")
_PAUSE = re.compile(r"[，。、；：！？,.;:!?]")


def spoken_seconds(text: str, chars_per_second: float) -> float:
    """A rough estimate of how long a sentence takes to say: syllables at the given pace plus pauses.

    A template's {placeholders} count as a few syllables each; a sentence as said has none left."""
    names = placeholders_in(text) or frozenset()
    bare = re.sub(r"\{[^{}]*\}", "", text)
    syllables = len(_SYLLABLE.findall(bare)) + len(re.findall(r"[A-Za-z]+", bare)) + PLACEHOLDER_SYLLABLES * len(names)
    return syllables / chars_per_second + PAUSE_SECONDS * len(_PAUSE.findall(bare))
