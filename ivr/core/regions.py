"""Regional rules for the retirees' medical-insurance personal-account credit (ivr.content.regions reads them from
data/regions.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FORMS = ("fixed", "age_tiered", "pension_share", "annual_lump_sum", "own_pension_share")
NATIONAL = "national"

CENT = Decimal("0.01")
MONTHS_PER_YEAR = Decimal("12")
HUNDRED = Decimal("100")


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
    # The monthly amount the sources themselves give as approximate ("about 250 a month"), said as an estimate.
    about: Decimal | None
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


class RegionBook:
    """All regional rules of one year, with look-up by key and by long-distance area code."""

    def __init__(self, year: int, regions: dict[str, Region], national: Region):
        self.year = year
        self.regions = regions
        self.national = national
        self._by_code = {code: region for region in regions.values() for code in region.area_codes}

    def by_area_code(self, code: str) -> Region | None:
        return self._by_code.get(normalise_area_code(code))

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
    raise ValueError(f"no tier covers age {age}")  # pragma: no mutate (the wording of the message is not held)


def _exact_pension(own_pension) -> Decimal | None:
    """The caller's own pension as a Decimal, refusing floats: binary rounding must never reach money."""
    if own_pension is None:
        return None
    if isinstance(own_pension, (bool, float)) or not isinstance(own_pension, (Decimal, int)):
        raise TypeError("own_pension must be a Decimal")  # pragma: no mutate (wording, as below)
    if own_pension < 0:
        raise ValueError("own_pension must be zero or more")  # pragma: no mutate (the tests hold the error's type)
    return Decimal(own_pension)


def _gross(rule: Rule, tier: Tier | None, own_pension: Decimal | None, months: Decimal) -> Decimal | None:
    """The credit for one period of the rule (a month or a year), or None when the caller's facts do not tell it."""
    if rule.form in ("fixed", "annual_lump_sum"):
        return rule.amount
    if tier is not None:
        return tier.amount
    if rule.form == "pension_share" and rule.average_pension is not None:
        return rule.average_pension.amount * months * rule.rate / HUNDRED
    if rule.form == "pension_share" and rule.about is not None:
        return rule.about * months
    if rule.form == "own_pension_share" and own_pension is not None:
        return own_pension * months * rule.rate / HUNDRED
    return None


def quote(region: Region, age: int | None, own_pension: Decimal | None = None) -> Quote:
    """Work out the credit for one caller; own_pension is the caller's own monthly pension (own_pension_share)."""
    if age is not None and age < 0:
        raise ValueError(f"age must be zero or more, not {age}")  # pragma: no mutate (wording only)
    own_pension = _exact_pension(own_pension)
    rule = region.rule
    months = MONTHS_PER_YEAR if rule.period == "year" else Decimal(1)
    tier = _tier_for(rule, age) if rule.form == "age_tiered" and age is not None else None
    gross = _gross(rule, tier, own_pension, months)
    gross = _cents(gross) if gross is not None else None
    monthly = _cents(gross / months) if gross is not None else None
    net_monthly = None
    if rule.deductions and monthly is not None:
        net_monthly = _cents(monthly - sum(d.amount for d in rule.deductions))
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
