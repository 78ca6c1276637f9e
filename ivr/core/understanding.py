"""Spoken input: which keys an utterance stands for, by the phrases listed for each key.

Matching forgives what recognisers and callers add: full-width punctuation, fillers and politeness around the words
("I would like to check my balance, please"), the radio forms of digits (settings.recognition.same_as), and
near-homophones: phrases are compared by toneless pinyin, with the initials and finals that many regional accents
merge (zh/z, ch/c, sh/s, n/l, f/h, -ng/-n) made one. A phrase heard only inside a longer phrase that also matched
does not count, so that "main menu" is not also "menu", nor "no" also "yes" where "no" is "not yes".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("f", "h"))
FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"), ("uan", "an"))
PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def plain(text: str, same_as: Mapping[str, str] | None = None) -> str:
    """The text without punctuation, spaces, case or width differences, with each `same_as` character replaced."""
    text = unicodedata.normalize("NFKC", text).lower()
    if same_as:
        text = text.translate(str.maketrans(dict(same_as)))
    return PUNCTUATION.sub("", text)


def _syllable(syllable: str) -> str:
    for long, short in INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    for long, short in FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


@lru_cache(maxsize=8192)
def _sounds(text: str) -> tuple[str, ...]:
    return tuple(_syllable(syllable) for syllable in lazy_pinyin(text, style=Style.NORMAL, errors=list))


def sounds(text: str, same_as: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """One merged toneless syllable per character of the plain text; other characters (letters, digits) as they are."""
    return _sounds(plain(text, same_as))


def _spans(needle: tuple[str, ...], haystack: tuple[str, ...]) -> list[tuple[int, int]]:
    size = len(needle)
    return [(i, i + size) for i in range(len(haystack) - size + 1) if haystack[i:i + size] == needle]


@dataclass(frozen=True)
class Heard:
    """The keys an utterance matched: none, one, or several (which is as good as none)."""

    keys: frozenset[str]

    @property
    def key(self) -> str | None:
        return next(iter(self.keys)) if len(self.keys) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.keys) > 1


def match(utterance: str, phrases: Mapping[str, tuple[str, ...]], same_as: Mapping[str, str] | None = None) -> Heard:
    """The keys whose phrases the utterance says, leaving out phrases heard only inside a longer match."""
    heard = sounds(utterance, same_as)
    found: list[tuple[int, int, str]] = []
    for key, said in phrases.items():
        for phrase in said:
            needle = sounds(phrase, same_as)
            if needle:
                found.extend((start, end, key) for start, end in _spans(needle, heard))
    kept = {key for start, end, key in found
            if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in found)}
    return Heard(frozenset(kept))
