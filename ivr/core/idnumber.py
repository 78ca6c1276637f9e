"""Checks an 18-character resident ID number (GB 11643-1999) keyed on a phone keypad."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

_DIGITS = "0123456789"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class IdCheck:
    """The outcome of a check: `problem` names the first thing wrong, `number` is set on success."""

    ok: bool
    problem: str | None
    number: str | None


def normalize(keys: str) -> str:
    """Drop whitespace and turn the keypad's * (or a lowercase x) into X."""
    return "".join(keys.split()).replace("*", "X").replace("x", "X")


def check_character(first17: str) -> str:
    """Return the check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or any(c not in _DIGITS for c in first17):
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARACTERS[total % 11]


def check(keys: str, today: datetime.date | None = None) -> IdCheck:
    """Check keyed ID digits and report the first problem: length, characters, birth_date or checksum."""
    number = normalize(keys)
    if len(number) != 18:
        return IdCheck(False, "length", None)
    if any(c not in _DIGITS for c in number[:17]) or number[17] not in _DIGITS + "X":
        return IdCheck(False, "characters", None)
    try:
        born = birth_date(number)
    except ValueError:
        return IdCheck(False, "birth_date", None)
    if not _EARLIEST_BIRTH <= born <= (today or datetime.date.today()):
        return IdCheck(False, "birth_date", None)
    # The area code is deliberately not checked: an out-of-date table must never turn a real caller away.
    if check_character(number[:17]) != number[17]:
        return IdCheck(False, "checksum", None)
    return IdCheck(True, None, number)


def mask(number: str) -> str:
    """Hide the middle of an ID number for logs, keeping the first 6 and last 4 characters."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def birth_date(number: str) -> datetime.date:
    """Return the birth date written in characters 7-14; raises ValueError if it is not a date."""
    text = number[6:14]
    if len(text) != 8 or any(c not in _DIGITS for c in text):
        raise ValueError(f"no birth date in {mask(number)}")
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))


def age_on(number: str, day: datetime.date) -> int:
    """Return the holder's age in full years on the given day."""
    born = birth_date(number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
