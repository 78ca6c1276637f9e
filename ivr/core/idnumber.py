"""Checks an 18-character resident ID number (GB 11643-1999) keyed on a phone keypad.

python-stdnum's `stdnum.cn.ric` computes the check character, reads the birth date and knows the birthplace codes;
around it stay what a keypad needs: `*` for X, digits-only input, a problem named for each kind of mistake (the ID
prompt has a sentence for each) and masking for logs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

_DIGITS = "0123456789"
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
        raise ValueError("need exactly 17 digits")  # pragma: no mutate (the wording is not held; the error is)
    # stdnum's calc_check_digit reads the first 17 characters of a full number; the 18th is a placeholder here.
    return ric.calc_check_digit(first17 + "0")


def check(keys: str, today: datetime.date | None = None) -> IdCheck:
    """Check keyed ID digits and report the first problem: length, characters, birth_date, checksum or birthplace."""
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
    if check_character(number[:17]) != number[17]:
        return IdCheck(False, "checksum", None)
    # Checked after the checksum: a number with a wrong check character was most likely mistyped, and that sentence
    # helps the caller more than one about the birthplace.
    if not known_birthplace(number[:6]):
        return IdCheck(False, "birthplace", None)
    return IdCheck(True, None, number)


def known_birthplace(code: str) -> bool:
    """Whether the six-digit code names a county in stdnum's table of codes, at any time since the codes began.

    stdnum's own `ric.get_birth_place` also asks that the county existed in the holder's birth year. A number keeps
    the code of the place where it was first issued, which may be years after the birth (Chongqing's 5001xx codes
    date from 1997 and are held by people born long before), so that rule would turn real callers away.
    """
    parts = numdb.get("cn/loc").info(code)
    return any("county" in properties for _, properties in parts)


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
    try:
        return ric.get_birth_date(number)
    except ValidationError:
        raise ValueError(f"no birth date in {mask(number)}") from None


def age_on(number: str, day: datetime.date) -> int:
    """Return the holder's age in full years on the given day."""
    born = birth_date(number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
