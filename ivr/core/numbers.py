"""Numbers said aloud, as the keys they stand for: an ID number digit by digit, an area code or a region, an age.

Callers say digits one by one as they learnt on the phone (the radio forms of 1, 2 and 0 are made one with the
digits by settings.recognition.same_as) and the last character of an ID number as one of `x_words`; a recogniser may
also write the digits themselves. cn2an reads each digit and an age said as a number. Nothing here is ever used for
passwords: those are keyed only.
"""

from __future__ import annotations

import cn2an

from ivr.core.regions import RegionBook
from ivr.core.script import Recognition
from ivr.core.understanding import plain


def _digit(char: str) -> str | None:
    if char.isascii():
        return char if char.isdigit() else None
    try:
        value = cn2an.cn2an(char, "smart")
    except (ValueError, KeyError, TypeError):
        return None
    return str(int(value)) if value == int(value) and 0 <= value <= 9 else None


def _without_around(said: str, words: Recognition) -> str:
    """The utterance without the words said around a number, at its start and at its end."""
    around = sorted((plain(word) for word in words.around if plain(word)), key=len, reverse=True)
    trimmed = True
    while trimmed and said:
        trimmed = False
        for word in around:
            if said.startswith(word):
                said, trimmed = said[len(word):], True
            if said.endswith(word):
                said, trimmed = said[: -len(word)], True
    return said


def spoken_digits(text: str, words: Recognition) -> str | None:
    """The keys of digits said one by one (a final X as *, as the keypad enters it), or None."""
    said = _without_around(plain(text, words.same_as), words)
    ending = ""
    for word in sorted((plain(w) for w in words.x_words if plain(w)), key=len, reverse=True):
        if said.endswith(word):
            said, ending = said[: -len(word)], "*"
            break
    digits = [_digit(char) for char in said]
    if not digits or None in digits:
        return None
    return "".join(digits) + ending


def spoken_age(text: str, words: Recognition) -> str | None:
    """An age said as a number (seventy-two, seventy-two years), as keys; None when it is not one whole number."""
    said = _without_around(plain(text, words.same_as), words)
    if not said:
        return None
    try:
        value = cn2an.cn2an(said, "smart")
    except (ValueError, KeyError, TypeError):
        return None
    return str(int(value)) if value == int(value) and value >= 0 else None


def spoken_area(text: str, words: Recognition, regions: RegionBook) -> str | None:
    """An area code said as digits, or a region's name: compared by characters, never by sound, because two cities
    may sound the same (Suzhou in Jiangsu and Suzhou in Anhui) and only one of them is the region."""
    digits = spoken_digits(text, words)
    if digits and "*" not in digits:
        return digits
    said = plain(text)
    named = [region for region in regions.regions.values() if region.area_codes and region.name in said]
    # The longest name said wins, so that a name inside another never stands in for it.
    named.sort(key=lambda region: len(region.name), reverse=True)
    return named[0].area_codes[0] if named else None


def entry(collect: str, text: str, words: Recognition, regions: RegionBook) -> str | None:
    """The keys an utterance stands for in an entry that may be said; None when it is not understood."""
    if collect == "id_number":
        return spoken_digits(text, words)
    if collect == "area_code":
        return spoken_area(text, words, regions)
    if collect == "age":
        return spoken_age(text, words)
    return None
