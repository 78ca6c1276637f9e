"""Mandarin readings of numbers, amounts, dates and times, built from a YAML lexicon."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

_CENT = Decimal("0.01")
_ASCII_DIGITS = "0123456789"


def load_reader(path: str | Path) -> Reader:
    """Read a lexicon YAML file and return a Reader for its `reading` section."""
    # Bytes, so that PyYAML decodes them as YAML says (UTF-8, or UTF-16 with its mark), whatever the locale.
    with open(path, "rb") as handle:
        data = yaml.safe_load(handle)
    return Reader(data["reading"])


def _to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert to Decimal, refusing floats because they cannot hold money exactly."""
    if isinstance(value, float):
        # The wording is for the programmer who passed a float; the type is what callers of this function rely on.
        raise TypeError("pass a Decimal, int or str, not a float")  # pragma: no mutate (wording only)
    return value if isinstance(value, Decimal) else Decimal(value)


class Reader:
    """Turns numbers, amounts, dates and clock times into the words a caller hears."""

    def __init__(self, lexicon: dict) -> None:
        self.lexicon = lexicon
        # A wrong list length would silently misread numbers, so it fails here, at start-up.
        if len(lexicon["digits"]) != 10 or len(lexicon["units"]) != 4 or len(lexicon["big_units"]) < 2:
            # Only the wording of these messages is left unmutated: the tests hold that they are raised.
            raise ValueError("reading lexicon needs 10 digits, 4 units and at least 2 big units")  # pragma: no mutate
        self.digit_words = lexicon["digits"]
        keys = lexicon.get("keys", {})
        if not (isinstance(keys, dict) and all(isinstance(word, str) and word for word in keys.values())):
            raise ValueError("reading keys must name each phone key with a word")  # pragma: no mutate
        self.key_words = {str(key): word for key, word in keys.items()}

    def integer(self, n: int) -> str:
        """Read an integer the way a person says it: 12 as shi-er, 1004 as yi-qian-ling-si."""
        if n < 0:
            return self.lexicon["minus"] + self.integer(-n)
        if n == 0:
            return self.digit_words[0]
        return self._number(n, leading=True)

    def _number(self, n: int, leading: bool) -> str:
        """Read a positive integer, splitting it at the largest big unit it reaches."""
        big_units = self.lexicon["big_units"]
        for level in range(len(big_units) - 1, 0, -1):
            size = 10 ** (4 * level)
            if n >= size:
                high, low = divmod(n, size)
                # A lone two before wan or yi is said liang (liang-wan, liang-yi), as a bank teller says it.
                multiplier = self.lexicon["two"] if high == 2 else self._number(high, leading)
                text = multiplier + big_units[level]
                if low:
                    # A gap of zeros before the rest is spoken as one zero word, so 1000001 is yi-bai-wan-ling-yi.
                    if low < size // 10:
                        text += self.digit_words[0]
                    text += self._number(low, leading=False)
                return text
        return self._section(n, leading)

    def _section(self, n: int, leading: bool) -> str:
        """Read 1..9999 with the units; `leading` means nothing is said before it."""
        units = self.lexicon["units"]
        text = ""
        zero_pending = False
        for position in range(3, -1, -1):
            digit = n // 10**position % 10
            if digit == 0:
                zero_pending = bool(text)
                continue
            if zero_pending:
                text += self.digit_words[0]
                zero_pending = False
            # People say shi-er and shi-wan but yi-bai-yi-shi: the yi before shi is dropped only at the very start.
            if position == 1 and digit == 1 and leading and n < 20:
                text += units[1]
            elif position == 3 and digit == 2 and not text and leading:
                # A number that opens with two thousand is said liang-qian, never er-qian.
                text += self.lexicon["two"] + units[3]
            else:
                text += self.digit_words[digit] + units[position]
        return text

    def count(self, n: int) -> str:
        """A quantity before a measure word: 2 is said with the `two` word (liang ci, liang nian), as people say it."""
        return self.lexicon["two"] if n == 2 else self.integer(n)

    def amount(self, value: Decimal | int | str, alone: bool = False) -> str:
        """Read a sum of money as a bank teller does, in yuan, jiao and fen.

        Only an amount that ends what is said (`alone`) takes the word zheng after a whole sum; inside a sentence
        (san-yuan hou) it would break the sentence in two, and zero is simply ling-yuan. Prompts are filled by
        ivr.core.filling, which tells from the template where an amount stands.
        """
        money = _to_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
        if money < 0:
            return self.lexicon["minus"] + self.amount(-money, alone)
        yuan = int(money)
        cents = int((money - yuan) * 100)
        jiao, fen = divmod(cents, 10)
        text = ""
        if yuan or not cents:
            text += self.count(yuan) + self.lexicon["yuan"]
        if jiao:
            text += self.digit_words[jiao] + self.lexicon["jiao"]
        if fen:
            # Without the zero word before the fen a caller could take 1004.06 yuan for 1004.60 yuan.
            if yuan and not jiao:
                text += self.digit_words[0]
            text += self.digit_words[fen] + self.lexicon["fen"]
        if alone and yuan and not cents:
            text += self.lexicon["whole"]
        return text

    def decimal(self, value: Decimal | int | str) -> str:
        """Read a plain number, the digits after the point one by one."""
        number = _to_decimal(value)
        if number < 0:
            return self.lexicon["minus"] + self.decimal(-number)
        whole, _, fraction = format(number, "f").partition(".")
        fraction = fraction.rstrip("0")
        text = self.integer(int(whole))
        if fraction:
            text += self.lexicon["point"] + self.digits(fraction)
        return text

    def percent(self, value: Decimal | int | str) -> str:
        """Read a percentage given as the number before the sign (2.8 for 2.8%)."""
        return self.lexicon["percent"].format(number=self.decimal(value))

    def digits(self, s: str) -> str:
        """Read each digit on its own; other characters (such as X) stay as they are."""
        return "".join(self.digit_words[int(c)] if c in _ASCII_DIGITS else c for c in s)

    def year_month(self, year: int, month: int) -> str:
        """Read a month of a year, the year digit by digit."""
        return self.lexicon["year_month"].format(year=self.digits(str(year)), month=self.integer(month))

    def date(self, d: datetime.date) -> str:
        """Read a calendar date, the year digit by digit."""
        return self.lexicon["date"].format(
            year=self.digits(str(d.year)), month=self.integer(d.month), day=self.integer(d.day)
        )

    def month_day(self, month: int, day: int) -> str:
        """Read a day of a month without the year."""
        return self.lexicon["month_day"].format(month=self.integer(month), day=self.integer(day))

    def clock(self, hour: int, minute: int) -> str:
        """Read a 24-hour time as a period word and a 12-hour time."""
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError(f"not a time of day: {hour}:{minute}")  # pragma: no mutate (the wording is not held)
        period = self.period(hour)
        if hour == 0:
            # Midnight is ling-dian, not ling-chen shi-er dian, as the hours of a service are said.
            period, hour_word = "", self.digit_words[0]
        else:
            hour_word = self.count(hour % 12 or 12)
        if minute == 0:
            minute_word = ""
        elif minute == 30:
            minute_word = self.lexicon["half_hour"]
        elif minute < 10:
            # A one-digit minute takes a leading zero word (9:05 is jiu-dian-ling-wu-fen), as announcers say it.
            minute_word = self.lexicon["minutes"].format(minute=self.digit_words[0] + self.integer(minute))
        else:
            minute_word = self.lexicon["minutes"].format(minute=self.integer(minute))
        return self.lexicon["clock"].format(period=period, hour=hour_word, minute=minute_word)

    def period(self, hour: int) -> str:
        """The word for the part of the day an hour falls in (morning, afternoon, ...)."""
        return next(p["word"] for p in self.lexicon["periods"] if p["from"] <= hour < p["to"])

    def clock_range(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """Read from one time to another, naming the part of the day once when both share it."""
        first, second = self.clock(*start), self.clock(*end)
        shared = self.period(start[0])
        if start[0] and end[0] and self.period(end[0]) == shared and second.startswith(shared):
            second = second[len(shared):]
        return self.lexicon["clock_range"].format(start=first, end=second)

    def id_tail(self, id_number: str) -> str:
        """Read the last four characters of an ID number digit by digit."""
        return self.lexicon["id_tail"].format(tail=self.digits(id_number[-4:]))

    def key(self, key: str) -> str:
        """A phone key as a menu says it: * and # by the words of the lexicon's `keys`, a digit as written."""
        return self.key_words.get(key, key)


class Writer(Reader):
    """The same facts written for a text message: digits instead of words (1,234.56 yuan, 2025-5, 2.8%).

    A text is read, not heard: figures are what a reader compares with a bank statement, and words for them would
    only be longer. The units and the signs come from the lexicon's `written` section, like every other word.
    """

    def __init__(self, lexicon: dict) -> None:
        super().__init__(lexicon)
        written = lexicon.get("written")
        if not isinstance(written, dict) or not {"amount", "percent"} <= set(written):
            raise ValueError("reading lexicon needs written.amount and written.percent")  # pragma: no mutate
        self.written = written
        self.digit_words = list(_ASCII_DIGITS)

    def integer(self, n: int) -> str:
        return str(n)

    def count(self, n: int) -> str:
        return str(n)

    def amount(self, value: Decimal | int | str, alone: bool = False) -> str:
        money = _to_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
        return self.written["amount"].format(amount=f"{money:,.2f}")

    def decimal(self, value: Decimal | int | str) -> str:
        number = _to_decimal(value)
        text = format(number, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text

    def percent(self, value: Decimal | int | str) -> str:
        return self.written["percent"].format(number=self.decimal(value))
