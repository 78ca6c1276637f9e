import datetime

import pytest

from ivr.core.idnumber import (
    IdCheck,
    age_on,
    birth_date,
    check,
    check_character,
    mask,
    normalize,
)

TODAY = datetime.date(2025, 5, 14)
EXAMPLE = "11010519491231002X"


def make_id(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    "keys, normalized",
    [
        ("11010519491231002*", EXAMPLE),
        ("11010519491231002x", EXAMPLE),
        (" 110105 19491231 002X ", EXAMPLE),
        ("", ""),
    ],
)
def test_normalize(keys, normalized):
    assert normalize(keys) == normalized


@pytest.mark.parametrize(
    "keys, problem",
    [
        (EXAMPLE, None),
        ("11010519491231002*", None),
        ("11010519491231002x", None),
        (make_id("44030119900101123"), None),
        (make_id("11010520000229001"), None),
        (make_id("11010519000101001"), None),
        (make_id("11010520250514001"), None),
        ("110105194912310021", "checksum"),
        ("11010519491231002", "length"),
        ("11010519491231002X1", "length"),
        ("", "length"),
        ("1" * 500, "length"),
        (make_id("11010520250230001"), "birth_date"),
        ("11010520250230001X", "birth_date"),
        (make_id("11010520250515001"), "birth_date"),
        (make_id("11010518991231001"), "birth_date"),
        (make_id("11010519491301001"), "birth_date"),
        (make_id("11010500000101001"), "birth_date"),
        ("1101051949123100AX", "characters"),
        ("ABCDEFGHIJKLMNOPQR", "characters"),
        ("110105X94912310020", "characters"),
        ("11010519491231002Y", "characters"),
        ("1101051949123100#X", "characters"),
        ("１１０１０５１９４９１２３１００２X", "characters"),
    ],
)
def test_check(keys, problem):
    result = check(keys, today=TODAY)
    assert result.problem == problem
    assert result.ok is (problem is None)
    assert result.number == (normalize(keys) if problem is None else None)


def test_check_reports_the_normalized_number():
    assert check("11010519491231002*", today=TODAY) == IdCheck(True, None, EXAMPLE)


def test_check_defaults_to_the_real_today():
    assert check(EXAMPLE).ok


@pytest.mark.parametrize("first17", ["99999919800101001", "00000019800101001", "11999919800101001"])
def test_an_unknown_birthplace_code_is_a_birthplace_problem(first17):
    assert check(make_id(first17), today=TODAY) == IdCheck(False, "birthplace", None)


@pytest.mark.parametrize("first17", [
    # Chongqing's codes date from 1997 and Jinan's 370102 from 1983; their holders may be born long before.
    "50010319791102003", "37010219580214005",
    # Codes since retired still belong to the people who were given them: Sichuan's Chongqing (510200) until 1997.
    "51020019800101001", "51020020100101001",
])
def test_a_birthplace_code_counts_whatever_the_birth_year(first17):
    assert check(make_id(first17), today=TODAY).ok


def test_the_checksum_is_reported_before_the_birthplace():
    assert check("999999198001010010", today=TODAY).problem == "checksum" != check(make_id("99999919800101001")).problem


def test_the_check_character_is_stdnums():
    from stdnum.cn import ric

    for first17 in ("11010519491231002", "44030119900101123", "50010319791102003"):
        assert ric.is_valid(make_id(first17)) or not ric.is_valid(first17 + "0")
        assert check_character(first17) == ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    "first17, character",
    [("11010519491231002", "X"), ("11010519491231003", "8")],
)
def test_check_character(first17, character):
    assert check_character(first17) == character


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100A", "110105194912310021"])
def test_check_character_needs_17_digits(bad):
    with pytest.raises(ValueError):
        check_character(bad)


@pytest.mark.parametrize(
    "number, masked",
    [
        (EXAMPLE, "110105********002X"),
        ("1234567890", "1234567890"),
        ("12345678901", "123456*8901"),
        ("123456789", "*********"),
        ("", ""),
    ],
)
def test_mask(number, masked):
    assert mask(number) == masked


def test_birth_date():
    assert birth_date(EXAMPLE) == datetime.date(1949, 12, 31)


@pytest.mark.parametrize(
    "number, day, age",
    [
        (EXAMPLE, datetime.date(2025, 5, 14), 75),
        (EXAMPLE, datetime.date(2024, 12, 30), 74),
        (EXAMPLE, datetime.date(2024, 12, 31), 75),
        (make_id("11010520000229001"), datetime.date(2070, 2, 28), 69),
        (make_id("11010520000229001"), datetime.date(2070, 3, 1), 70),
    ],
)
def test_age_on(number, day, age):
    assert age_on(number, day) == age


@pytest.mark.parametrize("number", ["11010519901AB2001X", "110105199013", "110105199013320012"])
def test_a_number_without_a_birth_date_is_refused_with_the_number_masked(number):
    # The message may reach a log line, which must never hold an ID number.
    with pytest.raises(ValueError) as refused:
        birth_date(number)
    assert mask(number) in str(refused.value) and number not in str(refused.value)
