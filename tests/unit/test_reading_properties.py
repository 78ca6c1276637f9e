"""Every reading parses back to the value it was made from, by an independent parser (cn2an), for random values.

The readings are what a caller hears, so a wrong word is a wrong amount: these properties hold the whole reading
module, while tests/unit/test_reading.py pins down particular phrasings.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.core.reading import Reader, load_reader

LEXICON = Path(__file__).resolve().parents[2] / "prompts" / "reading.yaml"


@pytest.fixture(scope="module")
def reader() -> Reader:
    return load_reader(LEXICON)


def number(words: str) -> int:
    """The value of Chinese number words; cn2an's normal mode accepts liang as two, as callers and tellers say it."""
    return int(cn2an.cn2an(words, "normal"))


def money(words: str, lexicon: dict) -> Decimal:
    """The value of an amount read in yuan, jiao and fen."""
    sign = -1 if words.startswith(lexicon["minus"]) else 1
    words = words.removeprefix(lexicon["minus"]).removesuffix(lexicon["whole"])
    pattern = rf"(?:(?P<yuan>.+){lexicon['yuan']})?(?:(?P<jiao>.){lexicon['jiao']})?(?:{lexicon['digits'][0]}?(?P<fen>.){lexicon['fen']})?"
    parts = re.fullmatch(pattern, words)
    assert parts is not None, words
    yuan, jiao, fen = (number(parts[name]) if parts[name] else 0 for name in ("yuan", "jiao", "fen"))
    return sign * (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100)


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_an_integer_reads_back(reader, n):
    assert number(reader.integer(n)) == n


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_two_thousand_wan_and_yi_at_the_start_are_liang(reader, n):
    words = reader.integer(n)
    assert not re.match("二[千万亿]", words), words


@given(st.integers(min_value=0, max_value=10**9))
def test_a_count_reads_back_and_two_is_liang(reader, n):
    words = reader.count(n)
    assert number(words) == n
    assert (words == "两") == (n == 2)


@given(st.integers(min_value=-(10**10), max_value=10**10), st.booleans())
def test_an_amount_reads_back(reader, cents, alone):
    value = Decimal(cents) / 100
    words = reader.amount(value, alone=alone)
    assert money(words, reader.lexicon) == value
    # Zheng closes only a whole, non-zero amount said alone.
    assert words.endswith(reader.lexicon["whole"]) == (alone and cents != 0 and cents % 100 == 0)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_a_date_reads_back(reader, day):
    words = reader.date(day)
    year, month, date = re.fullmatch(r"(.+)年(.+)月(.+)日", words).groups()
    assert (number(year), number(month), number(date)) == (day.year, day.month, day.day)


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_a_clock_time_reads_back(reader, hour, minute):
    words = reader.clock(hour, minute)
    period = next((p["word"] for p in reader.lexicon["periods"] if words.startswith(p["word"])), "")
    spoken_hour, _, rest = words.removeprefix(period).partition("点")
    twelve = number(spoken_hour)
    heard_minute = 30 if rest == reader.lexicon["half_hour"] else number(rest.removesuffix("分")) if rest else 0
    # Noon, afternoon and evening are the twelve hours after midday; midnight (ling-dian) is said without a period.
    after_midday = period in ("中午", "下午", "晚上")
    assert (twelve % 12 + (12 if after_midday else 0), heard_minute) == (hour, minute)
    assert not words.startswith("凌晨十二点"), "midnight is ling-dian"


@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False))
def test_a_percentage_reads_back(reader, value):
    words = reader.percent(value)
    assert words.startswith("百分之")
    whole, _, fraction = words.removeprefix("百分之").partition(reader.lexicon["point"])
    digits = "".join(str(reader.lexicon["digits"].index(ch)) for ch in fraction)
    assert Decimal(f"{number(whole)}.{digits or '0'}") == value
