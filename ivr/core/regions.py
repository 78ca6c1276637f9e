"""Regional rules for the retirees' medical-insurance personal-account credit, loaded from data/regions.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "regions.yaml"

FORMS = ("fixed", "age_tiered", "pension_share", "annual_lump_sum", "own_pension_share")
PERIODS = ("month", "year")
CREDIT_EVERY = ("month", "year")
CREDIT_WHEN = ("by", "on", "around")
NATIONAL = "national"

CENT = Decimal("0.01")
MONTHS_PER_YEAR = Decimal("12")
HUNDRED = Decimal("100")

# Each form needs some rule fields and must not carry the others, so a misplaced field is caught at load time.
FORM_FIELDS = {
    "fixed": {"amount"},
    "age_tiered": {"tiers"},
    "pension_share": {"rate", "average_pension"},
    "annual_lump_sum": {"amount"},
    "own_pension_share": {"rate"},
}
FORM_OPTIONAL = {"pension_share": {"rate_low"}}
COMMON_RULE_FIELDS = {"form", "period", "deductions", "credit"}


class _Loader(yaml.SafeLoader):
    """A safe loader that reads only true/false as booleans, so that a credit's `when: on` stays the word "on"."""


# YAML 1.1 reads on/off/yes/no as booleans; the data uses "on" as a word, so only true/false keep that meaning.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class RegionDataError(Exception):
    """The region data file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Tier:
    from_age: int
    to_age: int | None
    amount: Decimal

    def covers(self, age: int) -> bool:
        return self.from_age <= age and (self.to_age is None or age <= self.to_age)


@dataclass(frozen=True)
class Deduction:
    what: str
    amount: Decimal


@dataclass(frozen=True)
class Credit:
    every: str
    day: int
    month: int | None
    when: str


@dataclass(frozen=True)
class AveragePension:
    amount: Decimal
    assumption: bool
    why: str


@dataclass(frozen=True)
class Rule:
    form: str
    period: str
    tiers: tuple[Tier, ...]
    amount: Decimal | None
    rate: Decimal | None
    rate_low: Decimal | None
    average_pension: AveragePension | None
    deductions: tuple[Deduction, ...]
    credit: Credit | None


@dataclass(frozen=True)
class Region:
    key: str
    name: str
    sources: tuple[str, ...]
    area_codes: tuple[str, ...]
    note: str
    rule: Rule


@dataclass(frozen=True)
class Quote:
    region: Region
    form: str
    tier: Tier | None
    gross: Decimal | None
    monthly: Decimal | None
    net_monthly: Decimal | None
    needs_age: bool
    rate: Decimal | None
    average_pension: AveragePension | None


def normalise_area_code(code: str) -> str | None:
    """Return the code with its leading 0, or None when it is not a plausible long-distance code."""
    digits = code.strip()
    if not digits.isdigit():
        return None
    if not digits.startswith("0"):
        digits = "0" + digits
    # Chinese long-distance codes are 0 plus two or three digits.
    return digits if len(digits) in (3, 4) else None


class _Reader:
    """Checks raw YAML values and reports problems with the file name and the field's dotted location."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, message: str) -> RegionDataError:
        error = RegionDataError(f"{self.path.name}: {where}: {message}")
        # Kept apart so that `ivr check` can point at the line of the field.
        error.where, error.detail = where, message
        return error

    def mapping(self, value: Any, where: str, required: set[str], optional: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping of fields")
        missing = sorted(required - value.keys())
        if missing:
            raise self.fail(where, f"missing field '{missing[0]}'")
        unknown = sorted(value.keys() - required - optional, key=str)
        if unknown:
            raise self.fail(where, f"unknown field '{unknown[0]}'")
        return value

    def decimal(self, value: Any, where: str) -> Decimal:
        # Booleans are ints in Python, so `amount: true` would otherwise load as 1 yuan.
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(where, "expected a number, preferably quoted like \"100\"")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(where, f"'{value}' is not a number") from None
        if not number.is_finite() or number < 0:
            raise self.fail(where, f"'{value}' must be zero or more")
        return number

    def integer(self, value: Any, where: str, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, "expected a whole number")
        if value < low:
            raise self.fail(where, f"{value} must be {low} or more")
        if high is not None and value > high:
            raise self.fail(where, f"{value} must be {high} or less")
        return value

    def text(self, value: Any, where: str, allow_empty: bool = False) -> str:
        if value is None and allow_empty:
            return ""
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(where, "expected text")
        return value.strip()

    def choice(self, value: Any, where: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(where, f"'{value}' is not one of {', '.join(allowed)}")
        return value

    def string_list(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(where, "expected a list")
        for i, item in enumerate(value):
            # An unquoted code like 0755 reaches here as an int, so the message says to quote it.
            if not isinstance(item, str):
                raise self.fail(f"{where}[{i}]", f"{item!r} must be quoted, like \"0755\"")
        return value

    def tiers(self, value: Any, where: str) -> tuple[Tier, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "expected a non-empty list of tiers")
        tiers = []
        for i, raw in enumerate(value):
            at = f"{where}[{i}]"
            raw = self.mapping(raw, at, {"from_age", "amount"}, {"to_age"})
            from_age = self.integer(raw["from_age"], f"{at}.from_age", 0)
            to_age = None
            if raw.get("to_age") is not None:
                to_age = self.integer(raw["to_age"], f"{at}.to_age", from_age)
            tiers.append(Tier(from_age, to_age, self.decimal(raw["amount"], f"{at}.amount")))
        if tiers[0].from_age != 0:
            raise self.fail(where, "the first tier must start at age 0")
        for i, (before, after) in enumerate(zip(tiers, tiers[1:]), start=1):
            if before.to_age is None or after.from_age <= before.to_age:
                raise self.fail(f"{where}[{i}]", f"overlapping tiers: age {after.from_age} is already covered")
            if after.from_age != before.to_age + 1:
                raise self.fail(f"{where}[{i}]", f"gap between tiers: ages {before.to_age + 1}-{after.from_age - 1}")
        if tiers[-1].to_age is not None:
            raise self.fail(where, "the last tier must have no to_age, so that every older age is covered")
        return tuple(tiers)

    def credit(self, value: Any, where: str) -> Credit:
        raw = self.mapping(value, where, {"every", "day", "when"}, {"month"})
        every = self.choice(raw["every"], f"{where}.every", CREDIT_EVERY)
        month = None
        if every == "year":
            if "month" not in raw:
                raise self.fail(where, "missing field 'month' (a yearly credit needs its month)")
            month = self.integer(raw["month"], f"{where}.month", 1, 12)
        elif "month" in raw:
            raise self.fail(where, "'month' is only for a yearly credit")
        day = self.integer(raw["day"], f"{where}.day", 1, 31)
        return Credit(every, day, month, self.choice(raw["when"], f"{where}.when", CREDIT_WHEN))

    def rule(self, value: Any, where: str) -> Rule:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping of fields")
        if "form" not in value:
            raise self.fail(where, "missing field 'form'")
        form = self.choice(value["form"], f"{where}.form", FORMS)
        if form == "pension_share" and "average_pension" not in value:
            raise self.fail(
                where, "pension_share needs 'average_pension' (mark it assumption: true if no source gives it)"
            )
        raw = self.mapping(
            value, where, {"period"} | FORM_FIELDS[form], COMMON_RULE_FIELDS | FORM_OPTIONAL.get(form, set())
        )
        average = None
        if "average_pension" in raw:
            at = f"{where}.average_pension"
            pension = self.mapping(raw["average_pension"], at, {"amount", "assumption", "why"})
            if not isinstance(pension["assumption"], bool):
                raise self.fail(f"{at}.assumption", "expected true or false")
            average = AveragePension(
                amount=self.decimal(pension["amount"], f"{at}.amount"),
                assumption=pension["assumption"],
                why=self.text(pension["why"], f"{at}.why"),
            )
        if "rate_low" in raw and self.decimal(raw["rate_low"], f"{where}.rate_low") > self.decimal(
            raw["rate"], f"{where}.rate"
        ):
            raise self.fail(f"{where}.rate_low", "rate_low must not be above rate")
        deductions = []
        for i, item in enumerate(raw.get("deductions") or []):
            at = f"{where}.deductions[{i}]"
            item = self.mapping(item, at, {"what", "amount"})
            what = self.text(item["what"], f"{at}.what")
            deductions.append(Deduction(what, self.decimal(item["amount"], f"{at}.amount")))
        return Rule(
            form=form,
            period=self.choice(raw["period"], f"{where}.period", PERIODS),
            tiers=self.tiers(raw["tiers"], f"{where}.tiers") if "tiers" in raw else (),
            amount=self.decimal(raw["amount"], f"{where}.amount") if "amount" in raw else None,
            rate=self.decimal(raw["rate"], f"{where}.rate") if "rate" in raw else None,
            rate_low=self.decimal(raw["rate_low"], f"{where}.rate_low") if "rate_low" in raw else None,
            average_pension=average,
            deductions=tuple(deductions),
            credit=self.credit(raw["credit"], f"{where}.credit") if raw.get("credit") is not None else None,
        )

    def region(self, key: str, value: Any) -> Region:
        where = f"regions.{key}"
        raw = self.mapping(value, where, {"name", "sources", "area_codes", "note", "rule"})
        sources = self.string_list(raw["sources"], f"{where}.sources")
        if not sources:
            raise self.fail(f"{where}.sources", "every region needs at least one source")
        for source in sources:
            if not re.fullmatch(r"\d{3}", source):
                raise self.fail(f"{where}.sources", f"'{source}' is not a seed number like \"001\"")
        codes = []
        for code in self.string_list(raw["area_codes"], f"{where}.area_codes"):
            normal = normalise_area_code(code)
            if normal is None:
                raise self.fail(f"{where}.area_codes", f"'{code}' is not a long-distance area code")
            codes.append(normal)
        # The national rule is the fallback for unlisted codes, so it owns none; every real region must own one.
        if key == NATIONAL and codes:
            raise self.fail(f"{where}.area_codes", "the national rule must not claim area codes")
        if key != NATIONAL and not codes:
            raise self.fail(f"{where}.area_codes", "every region needs at least one area code")
        return Region(
            key=key,
            name=self.text(raw["name"], f"{where}.name"),
            sources=tuple(sources),
            area_codes=tuple(codes),
            note=self.text(raw["note"], f"{where}.note", allow_empty=True),
            rule=self.rule(raw["rule"], f"{where}.rule"),
        )


class RegionBook:
    """All regional rules of one year, with look-up by key and by long-distance area code."""

    def __init__(self, year: int, regions: dict[str, Region], national: Region):
        self.year = year
        self.regions = regions
        self.national = national
        self._by_code = {code: region for region in regions.values() for code in region.area_codes}

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> RegionBook:
        path = Path(path)
        reader = _Reader(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except OSError as error:
            raise RegionDataError(f"{path.name}: cannot read the file ({error.strerror})") from None
        except yaml.YAMLError as error:
            raise RegionDataError(f"{path.name}: not valid YAML: {error}") from None
        data = reader.mapping(data, "top level", {"year", "regions"})
        year = reader.integer(data["year"], "year", 2000, 2100)
        if not isinstance(data["regions"], dict):
            raise reader.fail("regions", "expected a mapping of region keys")
        if NATIONAL not in data["regions"]:
            raise reader.fail("regions", f"missing the '{NATIONAL}' entry")
        regions: dict[str, Region] = {}
        claimed: dict[str, str] = {}
        for key, value in data["regions"].items():
            region = reader.region(str(key), value)
            for code in region.area_codes:
                if code in claimed:
                    raise reader.fail(
                        f"regions.{key}.area_codes", f"area code {code} is already claimed by '{claimed[code]}'"
                    )
                claimed[code] = region.key
            regions[region.key] = region
        national = regions.pop(NATIONAL)
        return cls(year, regions, national)

    def by_area_code(self, code: str) -> Region | None:
        normal = normalise_area_code(code)
        return self._by_code.get(normal) if normal else None

    def get(self, key: str) -> Region:
        """Return the region for key, including 'national'; raises KeyError for an unknown key."""
        if key == NATIONAL:
            return self.national
        return self.regions[key]


def needs_age(region: Region) -> bool:
    return region.rule.form == "age_tiered"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _tier_for(rule: Rule, age: int) -> Tier:
    for tier in rule.tiers:
        if tier.covers(age):
            return tier
    # The loader guarantees tiers cover every age from 0, so this means a Rule built by hand is incomplete.
    raise ValueError(f"no tier covers age {age}")


def _exact_pension(own_pension) -> Decimal | None:
    """The caller's own pension as a Decimal, refusing floats: binary rounding must never reach money."""
    if own_pension is None:
        return None
    if isinstance(own_pension, (bool, float)) or not isinstance(own_pension, (Decimal, int)):
        raise TypeError("own_pension must be a Decimal")
    if own_pension < 0:
        raise ValueError("own_pension must be zero or more")
    return Decimal(own_pension)


def _gross(rule: Rule, tier: Tier | None, own_pension: Decimal | None, months: Decimal) -> Decimal | None:
    """The credit for one period of the rule (a month or a year), or None when the caller's facts do not tell it."""
    if rule.form in ("fixed", "annual_lump_sum"):
        return rule.amount
    if tier is not None:
        return tier.amount
    if rule.form == "pension_share":
        return rule.average_pension.amount * months * rule.rate / HUNDRED
    if rule.form == "own_pension_share" and own_pension is not None:
        return own_pension * months * rule.rate / HUNDRED
    return None


def quote(region: Region, age: int | None, own_pension: Decimal | None = None) -> Quote:
    """Work out the credit for one caller; own_pension is the caller's own monthly pension (own_pension_share)."""
    if age is not None and age < 0:
        raise ValueError(f"age must be zero or more, not {age}")
    own_pension = _exact_pension(own_pension)
    rule = region.rule
    months = MONTHS_PER_YEAR if rule.period == "year" else Decimal(1)
    tier = _tier_for(rule, age) if rule.form == "age_tiered" and age is not None else None
    gross = _gross(rule, tier, own_pension, months)
    gross = _cents(gross) if gross is not None else None
    monthly = _cents(gross / months) if gross is not None else None
    net_monthly = None
    if rule.deductions and monthly is not None:
        net_monthly = _cents(monthly - sum((d.amount for d in rule.deductions), Decimal(0)))
    return Quote(
        region=region,
        form=rule.form,
        tier=tier,
        gross=gross,
        monthly=monthly,
        net_monthly=net_monthly,
        needs_age=needs_age(region),
        rate=rule.rate,
        average_pension=rule.average_pension,
    )
