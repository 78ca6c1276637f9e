"""Filling templates: a sum of money takes 整 only where it ends a sentence, wherever the template puts it."""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.core.filling import Money, fill
from ivr.core.reading import Reader, load_reader

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return load_reader(ROOT / "prompts" / "reading.yaml")


@pytest.mark.parametrize(
    "template, expected",
    [
        ("扣除{what}{amount}后，实际到账{net}。", "扣除大病医疗保险三元后，实际到账九十七元整。"),
        ("到账{net}", "到账九十七元整"),
        ("到账{net}！", "到账九十七元整！"),
        ("到账{net}？", "到账九十七元整？"),
        ("到账{net}；下月再查。", "到账九十七元整；下月再查。"),
        ("到账{net} 。", "到账九十七元整 。"),
        ("到账{net}，请查收。", "到账九十七元，请查收。"),
        ("{amount}{net}。", "三元九十七元整。"),
        ("每月{net}{what}。", "每月九十七元大病医疗保险。"),
    ],
)
def test_zheng_follows_only_an_amount_that_ends_a_sentence(reader, template, expected):
    assert fill(template, reader, what="大病医疗保险", amount=Money(3), net=Money("97.00")) == expected


def test_an_amount_with_jiao_or_fen_never_takes_zheng(reader):
    assert fill("余额为{balance}。", reader, balance=Money(Decimal("1234.56"))) == "余额为一千二百三十四元五角六分。"


def test_zero_is_ling_yuan_even_at_the_end(reader):
    assert fill("余额为{balance}。", reader, balance=Money(0)) == "余额为零元。"


def test_values_other_than_money_are_filled_as_format_does(reader):
    assert fill("{a}，{b!r}，{c:>3}。", reader, a="甲", b="乙", c=7) == "甲，'乙'，  7。"


def test_a_missing_value_fails_like_format(reader):
    with pytest.raises(KeyError):
        fill("{amount}。", reader)


@given(st.integers(min_value=1, max_value=10**8), st.sampled_from(["。", "！", "？", "；", ""]))
def test_a_whole_amount_before_a_sentence_end_takes_zheng(reader, yuan, end):
    assert fill("余额为{balance}" + end, reader, balance=Money(yuan)) == (
        "余额为" + reader.amount(yuan, alone=True) + end
    )


@given(st.integers(min_value=1, max_value=10**8), st.sampled_from(["，", "后", "计算。", "{other}"]))
def test_a_whole_amount_inside_a_sentence_has_no_zheng(reader, yuan, after):
    spoken = fill("余额为{balance}" + after, reader, balance=Money(yuan), other="")
    assert reader.lexicon["whole"] not in spoken
