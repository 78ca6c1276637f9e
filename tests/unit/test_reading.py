import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ivr.core.reading import Reader, load_reader

LEXICON = Path(__file__).resolve().parents[2] / "prompts" / "reading.yaml"


@pytest.fixture(scope="module")
def reader() -> Reader:
    return load_reader(LEXICON)


@pytest.mark.parametrize(
    "n, spoken",
    [
        (0, "零"),
        (1, "一"),
        (2, "二"),
        (7, "七"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (30, "三十"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (1001, "一千零一"),
        (1004, "一千零四"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (10000, "一万"),
        (10100, "一万零一百"),
        (10010, "一万零一十"),
        (15000, "一万五千"),
        (100000, "十万"),
        (105000, "十万五千"),
        (100010, "十万零一十"),
        (150000, "十五万"),
        (1000001, "一百万零一"),
        # A rest of 909 to 999 still has a gap before it (ling jiu-bai), the edge of the one-zero-word rule.
        (10950, "一万零九百五十"),
        (109500000, "一亿零九百五十万"),
        (1100000, "一百一十万"),
        (20000000, "两千万"),
        (100000000, "一亿"),
        (100000001, "一亿零一"),
        (100100000, "一亿零一十万"),
        (110000000, "一亿一千万"),
        (1000000000, "十亿"),
        (123456789, "一亿二千三百四十五万六千七百八十九"),
        (10**12, "一万亿"),
        (-5, "负五"),
        (-110, "负一百一十"),
    ],
)
def test_integer(reader, n, spoken):
    assert reader.integer(n) == spoken


@pytest.mark.parametrize(
    "value, spoken",
    [
        (Decimal("1234.56"), "一千二百三十四元五角六分"),
        (Decimal("1004.06"), "一千零四元零六分"),
        (100, "一百元"),
        (Decimal("157.5"), "一百五十七元五角"),
        (Decimal("0.05"), "五分"),
        (Decimal("0.5"), "五角"),
        (Decimal("0.56"), "五角六分"),
        (0, "零元"),
        (Decimal("110.00"), "一百一十元"),
        (Decimal("1234.50"), "一千二百三十四元五角"),
        (Decimal("10.08"), "十元零八分"),
        (Decimal("250.88"), "二百五十元八角八分"),
        (2, "两元"),
        (Decimal("2.50"), "两元五角"),
        (2000, "两千元"),
        (12, "十二元"),
        (1680, "一千六百八十元"),
        (10, "十元"),
        (1000000, "一百万元"),
        (Decimal("100.10"), "一百元一角"),
        (Decimal("0.005"), "一分"),
        (Decimal("0.004"), "零元"),
        (Decimal("9.995"), "十元"),
        (Decimal("-0.001"), "零元"),
        (Decimal("-12.30"), "负十二元三角"),
        ("97", "九十七元"),
        ("157.50", "一百五十七元五角"),
    ],
)
def test_amount(reader, value, spoken):
    assert reader.amount(value, alone=False) == spoken


def test_amount_refuses_float(reader):
    with pytest.raises(TypeError):
        reader.amount(157.5)


@pytest.mark.parametrize(
    "value, spoken",
    [
        (Decimal("2.8"), "二点八"),
        (Decimal("157.5"), "一百五十七点五"),
        (3, "三"),
        (Decimal("0.25"), "零点二五"),
        (Decimal("2.50"), "二点五"),
        (Decimal("3.00"), "三"),
        (Decimal("1E+2"), "一百"),
        ("10.05", "十点零五"),
        (Decimal("-1.5"), "负一点五"),
    ],
)
def test_decimal(reader, value, spoken):
    assert reader.decimal(value) == spoken


@pytest.mark.parametrize(
    "value, spoken",
    [
        (Decimal("2.8"), "百分之二点八"),
        (3, "百分之三"),
        (7, "百分之七"),
        (Decimal("2.5"), "百分之二点五"),
        (Decimal("12"), "百分之十二"),
    ],
)
def test_percent(reader, value, spoken):
    assert reader.percent(value) == spoken


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("2025", "二零二五"),
        ("0755", "零七五五"),
        ("002X", "零零二X"),
        ("", ""),
    ],
)
def test_digits(reader, text, spoken):
    assert reader.digits(text) == spoken


@pytest.mark.parametrize(
    "year, month, spoken",
    [
        (2025, 5, "二零二五年五月"),
        (2024, 12, "二零二四年十二月"),
        (2000, 10, "二零零零年十月"),
    ],
)
def test_year_month(reader, year, month, spoken):
    assert reader.year_month(year, month) == spoken


@pytest.mark.parametrize(
    "day, spoken",
    [
        (datetime.date(2025, 5, 14), "二零二五年五月十四日"),
        (datetime.date(2024, 12, 31), "二零二四年十二月三十一日"),
        (datetime.date(2025, 1, 20), "二零二五年一月二十日"),
    ],
)
def test_date(reader, day, spoken):
    assert reader.date(day) == spoken


@pytest.mark.parametrize(
    "month, day, spoken",
    [
        (7, 1, "七月一日"),
        (12, 25, "十二月二十五日"),
        (2, 10, "二月十日"),
    ],
)
def test_month_day(reader, month, day, spoken):
    assert reader.month_day(month, day) == spoken


@pytest.mark.parametrize(
    "hour, minute, spoken",
    [
        (8, 0, "上午八点"),
        (14, 30, "下午两点半"),
        (12, 0, "中午十二点"),
        (17, 30, "下午五点半"),
        (2, 0, "凌晨两点"),
        (9, 5, "上午九点零五分"),
        (20, 15, "晚上八点十五分"),
        (10, 10, "上午十点十分"),
        (11, 59, "上午十一点五十九分"),
        (12, 30, "中午十二点半"),
        (13, 0, "下午一点"),
        (22, 0, "晚上十点"),
        (23, 2, "晚上十一点零二分"),
        (0, 0, "零点"),
        (0, 30, "零点半"),
        (1, 0, "凌晨一点"),
        (6, 0, "上午六点"),
        (18, 0, "下午六点"),
        (19, 0, "晚上七点"),
    ],
)
def test_clock(reader, hour, minute, spoken):
    assert reader.clock(hour, minute) == spoken


@pytest.mark.parametrize("hour, minute", [(24, 0), (-1, 0), (8, 60), (8, -1)])
def test_clock_rejects_impossible_times(reader, hour, minute):
    with pytest.raises(ValueError):
        reader.clock(hour, minute)


@pytest.mark.parametrize(
    "number, spoken",
    [
        ("11010519491231002X", "尾号零零二X"),
        ("110105********002X", "尾号零零二X"),
        ("440301199001011234", "尾号一二三四"),
    ],
)
def test_id_tail(reader, number, spoken):
    assert reader.id_tail(number) == spoken


@pytest.mark.parametrize(
    "value, spoken",
    [(100, "一百元整"), (Decimal("110.00"), "一百一十元整"), (2, "两元整"), (0, "零元"), (Decimal("2.50"), "两元五角"),
     (Decimal("-3"), "负三元整")],
)
def test_a_whole_amount_said_alone_ends_with_zheng(reader, value, spoken):
    assert reader.amount(value, alone=True) == spoken


@pytest.mark.parametrize(
    "n, spoken",
    [(2, "二"), (2000, "两千"), (2200, "两千二百"), (20000, "两万"), (22000, "两万二千"), (200000000, "两亿"),
     (12000, "一万二千"), (200, "二百"), (22, "二十二"), (2002, "两千零二"), (22000000, "两千二百万")],
)
def test_two_is_liang_before_a_leading_thousand_wan_or_yi(reader, n, spoken):
    assert reader.integer(n) == spoken


def test_two_is_liang_before_a_measure_word(reader):
    assert reader.count(2) == "两" and reader.count(12) == "十二"


@pytest.mark.parametrize(
    "start, end, spoken",
    [((14, 30), (17, 30), "下午两点半到五点半"), ((8, 30), (17, 0), "上午八点半到下午五点"),
     ((9, 0), (11, 30), "上午九点到十一点半"), ((0, 0), (6, 0), "零点到上午六点"),
     # Midnight is said without a part of the day, so the end keeps its own even in the same part (ling-chen).
     ((0, 0), (5, 0), "零点到凌晨五点"),
     # An end on the hour shares the part of the day as well as one on the half hour.
     ((14, 0), (17, 0), "下午两点到五点")],
)
def test_a_range_of_hours_names_the_part_of_the_day_once(reader, start, end, spoken):
    assert reader.clock_range(start, end) == spoken


def test_lexicon_with_wrong_digit_count_is_refused():
    with pytest.raises(ValueError):
        Reader({"digits": ["0"], "units": ["", "a", "b", "c"], "big_units": ["", "d"]})


def test_lexicon_without_a_big_unit_is_refused(reader):
    with pytest.raises(ValueError):
        Reader({**reader.lexicon, "big_units": [""]})


def test_lexicon_with_two_big_units_reads_up_to_wan(reader):
    # Two big units (none and wan) are the least a lexicon may have; yi is then said as wan-wan.
    short = Reader({**reader.lexicon, "big_units": ["", "万"]})
    assert short.integer(30000) == "三万" and short.integer(10**8) == "一万万"


def test_an_amount_is_read_inside_a_sentence_unless_said_otherwise(reader):
    # Zheng is the exception, asked for by whoever knows the amount ends what is said.
    assert reader.amount(97) == reader.amount(97, alone=False) != reader.amount(97, alone=True)


def test_a_lexicon_saved_as_utf16_reads_the_same(reader, tmp_path):
    # Editors on Windows may save the file as UTF-16 with a byte-order mark; YAML allows it, so the reader does too.
    copy = tmp_path / "reading.yaml"
    copy.write_text(LEXICON.read_text(encoding="utf-8"), encoding="utf-16")
    assert load_reader(copy).amount(Decimal("2000.5")) == reader.amount(Decimal("2000.5"))
