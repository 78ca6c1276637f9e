"""Tests for ivr.core.regions against the real data/regions.yaml, and for ivr.content.regions against small broken files."""

import os
import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ivr.content.regions import load_regions
from ivr.content.yamlsource import SourceError
from ivr.core.regions import AveragePension, Region, Rule, Tier, needs_age, normalise_area_code, quote
from tests.services import absent

DATA = Path(__file__).resolve().parents[2] / "data" / "regions.yaml"
AGES = (60, 69, 70, 74, 75, 90)
# The seed articles themselves are not part of the repository; they stand beside it (or where IVR_SEEDS says).
SEED_FOLDER = Path(os.environ.get("IVR_SEEDS", Path(__file__).resolve().parents[3] / "shared" / "seeds"))


def _file():
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


SEEDS = set(_file()["seeds"])


@pytest.fixture(scope="module")
def book():
    return load_regions(DATA)


# Expected (gross, monthly, net_monthly) per age, worked out by hand from the seeds and written out literally.
# The gross is for the rule's period: a year for Shanghai and Suzhou, a month elsewhere.
EXPECTED = {
    "beijing": {
        60: ("100", "100", "97"), 69: ("100", "100", "97"), 70: ("110", "110", "107"),
        74: ("110", "110", "107"), 75: ("110", "110", "107"), 90: ("110", "110", "107"),
    },
    "shanghai": {
        60: ("1680", "140", None), 69: ("1680", "140", None), 70: ("1680", "140", None),
        74: ("1680", "140", None), 75: ("1890", "157.50", None), 90: ("1890", "157.50", None),
    },
    # Shenzhen: the seeds' own "about 250 a month"; Xiamen: the seeds give the rate alone, so there is no amount.
    "shenzhen": {age: ("250", "250", None) for age in AGES},
    "xiamen": {age: (None, None, None) for age in AGES},
    "anhui": {age: ("70", "70", None) for age in AGES},
    "gansu": {age: ("120", "120", None) for age in AGES},
    "shandong": {
        60: ("100", "100", None), 69: ("100", "100", None), 70: ("125", "125", None),
        74: ("125", "125", None), 75: ("125", "125", None), 90: ("125", "125", None),
    },
    "chongqing": {
        60: ("105", "105", None), 69: ("105", "105", None), 70: ("115", "115", None),
        74: ("115", "115", None), 75: ("115", "115", None), 90: ("115", "115", None),
    },
    "yunnan": {
        60: ("106", "106", None), 69: ("106", "106", None), 70: ("142", "142", None),
        74: ("142", "142", None), 75: ("142", "142", None), 90: ("142", "142", None),
    },
    "suzhou": {age: ("1400", "116.67", None) for age in AGES},
    # Wuxi needs the caller's own pension, so without it there is no amount at any age.
    "wuxi": {age: (None, None, None) for age in AGES},
    "national": {age: ("111.00", "111.00", None) for age in AGES},
}


def _money(text):
    return None if text is None else Decimal(text)


@pytest.mark.parametrize(
    ("key", "age", "expected"),
    [(key, age, numbers) for key, by_age in EXPECTED.items() for age, numbers in by_age.items()],
)
def test_quote_by_age(book, key, age, expected):
    result = quote(book.get(key), age)
    assert (result.gross, result.monthly, result.net_monthly) == tuple(_money(x) for x in expected)


def test_expected_table_covers_every_region(book):
    assert set(EXPECTED) == set(book.regions) | {"national"}


def test_money_is_decimal_with_cents(book):
    result = quote(book.get("shanghai"), 80)
    assert isinstance(result.gross, Decimal) and isinstance(result.monthly, Decimal)
    assert str(result.monthly) == "157.50"


def test_beijing_tier_and_deduction(book):
    result = quote(book.get("beijing"), 72)
    assert result.tier == Tier(70, None, Decimal("110"))
    assert result.needs_age is True
    assert book.get("beijing").rule.deductions[0].amount == Decimal("3")


def test_age_tiered_without_age_has_no_amount(book):
    result = quote(book.get("shanghai"), None)
    assert result.needs_age is True
    assert (result.tier, result.gross, result.monthly, result.net_monthly) == (None, None, None, None)


def test_fixed_rule_does_not_need_age(book):
    result = quote(book.get("anhui"), None)
    assert result.needs_age is False
    assert result.tier is None
    assert result.gross == Decimal("70")


def test_shenzhen_gives_the_rate_and_the_sources_approximate_amount(book):
    result = quote(book.get("shenzhen"), None)
    assert result.rate == Decimal("2.8")
    assert result.average_pension is None
    assert book.get("shenzhen").rule.about == Decimal("250")


def test_xiamen_has_its_rate_and_no_amount(book):
    # The seeds' 3,700 is a hypothetical region's average pension (若某地), not Xiamen's: no amount is derived from it.
    region = book.get("xiamen")
    result = quote(region, 70)
    assert result.rate == Decimal("2.5")
    assert (region.rule.average_pension, region.rule.about) == (None, None)
    assert (result.gross, result.monthly) == (None, None)


def test_national_rate_range(book):
    rule = book.national.rule
    assert (rule.rate_low, rule.rate) == (Decimal("2"), Decimal("3"))
    assert quote(book.national, None).gross == Decimal("111.00")
    assert "national" not in book.regions


def test_wuxi_with_own_pension(book):
    result = quote(book.get("wuxi"), 70, own_pension=Decimal("4000"))
    assert result.gross == Decimal("3360.00")
    assert result.monthly == Decimal("280.00")
    assert result.rate == Decimal("7")


def test_own_pension_must_not_be_float(book):
    with pytest.raises(TypeError):
        quote(book.get("wuxi"), 70, own_pension=4000.0)


def test_negative_age_is_refused(book):
    with pytest.raises(ValueError):
        quote(book.get("beijing"), -1)


def test_needs_age(book):
    assert {key for key, region in book.regions.items() if needs_age(region)} == {
        "beijing", "shanghai", "shandong", "chongqing", "yunnan"
    }


def test_credit_days(book):
    assert book.get("beijing").rule.credit.day == 5
    assert book.get("beijing").rule.credit.when == "by"
    shanghai = book.get("shanghai").rule.credit
    assert (shanghai.every, shanghai.month, shanghai.day, shanghai.when) == ("year", 7, 1, "on")
    suzhou = book.get("suzhou").rule.credit
    assert (suzhou.every, suzhou.month, suzhou.day) == ("year", 1, 1)


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("010", "beijing"),
        ("10", "beijing"),
        (" 010 ", "beijing"),
        ("021", "shanghai"),
        ("0755", "shenzhen"),
        ("755", "shenzhen"),
        ("0592", "xiamen"),
        ("023", "chongqing"),
        ("0557", "anhui"),
        ("0551", "anhui"),
        ("0931", "gansu"),
        ("0531", "shandong"),
        ("0631", "shandong"),
        ("0871", "yunnan"),
        ("0691", "yunnan"),
        ("0512", "suzhou"),
        ("0510", "wuxi"),
    ],
)
def test_by_area_code(book, code, key):
    assert book.by_area_code(code).key == key


@pytest.mark.parametrize("code", ["0999", "999", "", "abc", "0", "012345"])
def test_unknown_area_code(book, code):
    assert book.by_area_code(code) is None


def test_get_unknown_region(book):
    with pytest.raises(KeyError):
        book.get("atlantis")


def test_year(book):
    assert book.year == 2025


def test_a_book_loaded_afresh_has_its_year_and_the_national_rule():
    # Built here, not by the shared fixture, so that the test itself makes the book it looks at.
    fresh = load_regions(DATA)
    assert fresh.year == 2025
    assert fresh.national.key == "national" and fresh.get("national") is fresh.national


@pytest.mark.parametrize("code, normal", [
    ("010", "010"), ("10", "010"), (" 0755 ", "0755"), ("755", "0755"),
    ("5", None), ("0", None), ("12345", None), ("012345", None), ("", None), ("07a5", None),
])
def test_an_area_code_is_zero_and_two_or_three_digits(code, normal):
    assert normalise_area_code(code) == normal


def test_a_quote_says_which_region_and_form_it_is_for(book):
    national = book.national
    result = quote(national, None)
    assert (result.region, result.form, result.average_pension) == (national, "pension_share", national.rule.average_pension)


def test_a_newborn_age_is_a_valid_age(book):
    assert quote(book.get("beijing"), 0).gross == Decimal("100")


def _rule_region(**rule) -> Region:
    plain = dict(form="fixed", period="month", tiers=(), amount=None, rate=None, rate_low=None, average_pension=None,
                 about=None, deductions=(), credit=None)
    return Region("test", "test", (), (), "", Rule(**{**plain, **rule}))


def test_half_a_cent_rounds_up_as_a_teller_rounds():
    # 1,200.30 a year is 100.025 a month.
    assert quote(_rule_region(form="annual_lump_sum", period="year", amount=Decimal("1200.30")), None).monthly == Decimal("100.03")


def test_a_yearly_share_of_an_average_pension_is_twelve_months_of_it():
    average = AveragePension(Decimal("4000"), assumption=False, why="")
    result = quote(_rule_region(form="pension_share", period="year", rate=Decimal("3"), average_pension=average), None)
    assert (result.gross, result.monthly) == (Decimal("1440.00"), Decimal("120.00"))


def test_a_yearly_approximate_amount_is_twelve_months_of_it():
    result = quote(_rule_region(form="pension_share", period="year", rate=Decimal("3"), about=Decimal("250")), None)
    assert (result.gross, result.monthly) == (Decimal("3000.00"), Decimal("250.00"))


@pytest.mark.parametrize("pension, gross", [(Decimal("0"), Decimal("0.00")), (Decimal("0.5"), Decimal("0.42")), (4000, Decimal("3360.00"))])
def test_an_own_pension_of_zero_or_more_is_worked_out(book, pension, gross):
    assert quote(book.get("wuxi"), 70, own_pension=pension).gross == gross


@pytest.mark.parametrize("pension", [True, "4000", 4000.0])
def test_an_own_pension_that_is_not_an_exact_number_is_refused(book, pension):
    with pytest.raises(TypeError):
        quote(book.get("wuxi"), 70, own_pension=pension)


def test_a_negative_own_pension_is_refused(book):
    with pytest.raises(ValueError):
        quote(book.get("wuxi"), 70, own_pension=Decimal("-0.01"))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_region_has_sources_and_area_codes(book, key):
    region = book.get(key)
    assert region.sources and set(region.sources) <= SEEDS
    assert region.name
    if key != "national":
        assert region.area_codes


def test_only_the_national_example_has_an_average_pension(book):
    # No seed gives any real region's average pension; 3,700 is a hypothetical "some region" example.
    shares = [r for r in [*book.regions.values(), book.national] if r.rule.form == "pension_share"]
    assert {r.key for r in shares} == {"shenzhen", "xiamen", "national"}
    assert [r.key for r in shares if r.rule.average_pension is not None] == ["national"]
    assert book.national.rule.average_pension.assumption is True
    assert book.national.rule.average_pension.why


def _seed_text(seed: str) -> str:
    if not SEED_FOLDER.is_dir():
        absent(f"the seed articles are not at {SEED_FOLDER} (set IVR_SEEDS)")
    return (SEED_FOLDER / _file()["seeds"][seed]["file"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_listed_seed_is_an_existing_article(seed):
    assert _seed_text(seed).strip()


@pytest.mark.parametrize("key", sorted(_file()["regions"]))
def test_every_region_names_an_existing_seed_and_quotes_it_word_for_word(key):
    region = _file()["regions"][key]
    assert region["sources"] and set(region["sources"]) <= SEEDS
    assert region["quotes"], "a region without a quote cannot be checked against its sources"
    for quoted in region["quotes"]:
        assert quoted["text"] in _seed_text(quoted["seed"]), (key, quoted)


def _figures(rule: dict) -> set[Decimal]:
    """Every sum and rate a rule gives callers, whichever form it has."""
    figures = {rule.get(name) for name in ("amount", "rate", "rate_low", "about")}
    figures |= {tier["amount"] for tier in rule.get("tiers", [])}
    figures |= {deduction["amount"] for deduction in rule.get("deductions", [])}
    figures.add((rule.get("average_pension") or {}).get("amount"))
    if (rule.get("credit") or {}).get("every") == "month":
        figures.add(rule["credit"]["day"])
    return {Decimal(str(figure)) for figure in figures if figure is not None}


@pytest.mark.parametrize("key", sorted(_file()["regions"]))
def test_every_figure_of_a_rule_is_in_one_of_its_quotes(key):
    region = _file()["regions"][key]
    quoted = {Decimal(n) for q in region["quotes"] for n in re.findall(r"\d+(?:\.\d+)?", q["text"])}
    assert _figures(region["rule"]) <= quoted, _figures(region["rule"]) - quoted


VALID_NATIONAL = """\
  national:
    name: National
    sources: ["000"]
    area_codes: []
    note: ""
    rule:
      form: pension_share
      period: month
      rate: "3"
      average_pension: {amount: "3700", assumption: true, why: seed example}
"""


def _region(rule, area_codes='["010"]'):
    """Build one region entry indented under `regions:` from a rule body."""
    rule = textwrap.indent(textwrap.dedent(rule).strip(), "      ")
    return (
        f"  beijing:\n    name: Beijing\n    sources: [\"000\"]\n    area_codes: {area_codes}\n"
        f"    note: \"\"\n    rule:\n{rule}\n"
    )


SEEDS_HEADER = 'seeds:\n  "000": {file: 000_a.txt, title: An article}\n'


def _load(tmp_path, text):
    path = tmp_path / "broken_regions.yaml"
    path.write_text("year: 2025\n" + SEEDS_HEADER + "regions:\n" + VALID_NATIONAL + text, encoding="utf-8")
    return load_regions(path)


def test_small_valid_file_loads(tmp_path):
    book = _load(tmp_path, _region("form: fixed\nperiod: month\namount: \"100\""))
    assert quote(book.get("beijing"), None).gross == Decimal("100")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _region("form: fixed\nperiod: month"), ("missing_field", "'amount' is missing"), id="missing-amount"
        ),
        pytest.param(
            "  beijing:\n    name: Beijing\n    sources: [\"000\"]\n    note: \"\"\n"
            "    rule: {form: fixed, period: month, amount: \"1\"}\n",
            ("missing_field", "'area_codes' is missing"),
            id="missing-area-codes",
        ),
        pytest.param(
            _region("form: monthly_gift\nperiod: month\namount: \"100\""), ("not_one_of", "'monthly_gift' is not allowed"),
            id="unknown-form",
        ),
        pytest.param(
            _region(
                """
                form: age_tiered
                period: month
                tiers:
                  - {from_age: 0, to_age: 70, amount: "100"}
                  - {from_age: 70, amount: "110"}
                """
            ),
            ("tiers_overlap", "overlapping age tiers"),
            id="overlapping-tiers",
        ),
        pytest.param(
            _region(
                """
                form: age_tiered
                period: month
                tiers:
                  - {from_age: 0, to_age: 68, amount: "100"}
                  - {from_age: 70, amount: "110"}
                """
            ),
            ("tiers_gap", "a gap between tiers leaves ages 69-69"),
            id="gap-in-tiers",
        ),
        pytest.param(
            _region("form: pension_share\nperiod: month\nrate: \"2.5\"\nabout: \"90\"\n"
                    "average_pension: {amount: \"3700\", assumption: true, why: x}"),
            ("pension_two_amounts", "either average_pension or about"),
            id="pension-share-with-two-amounts",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"").replace('sources: ["000"]', 'sources: ["001"]'),
            ("unknown_seed", "source 001 is not among the seeds"),
            id="source-not-among-the-seeds",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"").replace(
                '    area_codes', '    quotes: [{seed: "002", text: "x"}]\n    area_codes'),
            ("quote_not_cited", "from seed 002, which the region's sources do not list"),
            id="quote-from-an-uncited-seed",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"")
            + _region("form: fixed\nperiod: month\namount: \"70\"", area_codes='["0551", "10"]').replace(
                "beijing", "anhui"
            ),
            ("area_code_twice", "the area code 010 is already claimed by beijing"),
            id="area-code-claimed-twice",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"", area_codes="[0755]"),
            ("converted_value", "write it in quotes, \"0755\""),
            id="unquoted-area-code",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"", area_codes="[]"),
            ("no_area_code", "at least one area code"),
            id="no-area-code",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"\ncredit: {every: month, day: 5, when: soon}"),
            ("not_one_of", "'soon' is not allowed"),
            id="unknown-credit-when",
        ),
        pytest.param(
            _region("form: fixed\nperiod: month\namount: \"100\"\nrate: \"3\""), ("unknown_field", "unknown field 'rate'"),
            id="field-of-another-form",
        ),
    ],
)
def test_region_data_errors(tmp_path, text, message):
    code, sentence = message
    with pytest.raises(SourceError) as caught:
        _load(tmp_path, text)
    assert caught.value.code == code
    assert caught.value.mark.file.endswith("broken_regions.yaml")
    assert sentence in str(caught.value)


def test_unquoted_on_is_read_as_the_word(tmp_path):
    rule = "form: fixed\nperiod: year\namount: \"1\"\ncredit: {every: year, month: 7, day: 1, when: on}"
    book = _load(tmp_path, _region(rule))
    assert book.get("beijing").rule.credit.when == "on"


def test_unquoted_rate_stays_exact(tmp_path):
    # A hand-edited file may leave numbers unquoted; they must still load exactly, without float rounding.
    rule = "form: pension_share\nperiod: month\nrate: 2.8\naverage_pension: {amount: 8960, assumption: true, why: x}"
    book = _load(tmp_path, _region(rule))
    assert book.get("beijing").rule.rate == Decimal("2.8")
    assert quote(book.get("beijing"), None).gross == Decimal("250.88")


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="nowhere.yaml"):
        load_regions(tmp_path / "nowhere.yaml")


def test_invalid_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("year: [2025\n", encoding="utf-8")
    with pytest.raises(SourceError, match="bad.yaml:1:7: YAML syntax"):
        load_regions(path)
