"""data/regions.yaml read into the core's RegionBook: each rule form a model, every problem at file:line:column.

The file's shape (see the comments at the top of data/regions.yaml): a year and a mapping of regions, one of
them `national`, the fallback for area codes no region claims. Each region has a rule in one of the forms
ivr.core.regions.FORMS, told apart by its `form` field.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ivr.content.explain import validate_file
from ivr.content.yamlsource import SourceError
from ivr.core.regions import (
    NATIONAL,
    AveragePension,
    Credit,
    Deduction,
    Region,
    RegionBook,
    Rule,
    Tier,
    normalise_area_code,
)

Money = Annotated[Decimal, Field(ge=0)]
Text = Annotated[str, Field(min_length=1)]


def _seed(value: str) -> str:
    if not re.fullmatch(r"\d{3}", value):
        raise PydanticCustomError("not_a_seed", "not a seed number", {"value": value})
    return value


def _area_code(value: str) -> str:
    normal = normalise_area_code(value)
    if normal is None:
        raise PydanticCustomError("not_an_area_code", "not a long-distance area code", {"value": value})
    return normal


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class TierModel(_Model):
    from_age: int = Field(ge=0, strict=True)
    to_age: int | None = Field(default=None, ge=0, strict=True)
    amount: Money


def _tiers(tiers: list[TierModel]) -> list[TierModel]:
    """Tiers must cover every age from 0 up, once each: the first starts at 0, each starts where the last ended."""
    if tiers[0].from_age != 0:
        raise PydanticCustomError("tiers_first", "the first tier must start at age 0", {"at": [0, "from_age"]})
    for index, (before, after) in enumerate(zip(tiers, tiers[1:]), start=1):
        if before.to_age is None or after.from_age <= before.to_age:
            raise PydanticCustomError("tiers_overlap", "overlapping tiers", {"at": [index], "age": after.from_age})
        if after.from_age != before.to_age + 1:
            raise PydanticCustomError("tiers_gap", "gap between tiers",
                                      {"at": [index], "low": before.to_age + 1, "high": after.from_age - 1})
    if tiers[-1].to_age is not None:
        raise PydanticCustomError("tiers_last", "the last tier must be open", {"at": [len(tiers) - 1]})
    return tiers


class DeductionModel(_Model):
    what: Text
    amount: Money


class CreditModel(_Model):
    every: Literal["month", "year"]
    day: int = Field(ge=1, le=31, strict=True)
    month: int | None = Field(default=None, ge=1, le=12, strict=True)
    when: Literal["by", "on", "around"]

    @model_validator(mode="after")
    def _month_for_a_year(self):
        if self.every == "year" and self.month is None:
            raise PydanticCustomError("credit_needs_month", "a yearly credit needs its month", {})
        if self.every == "month" and self.month is not None:
            raise PydanticCustomError("credit_month_yearly", "month is only for a yearly credit", {"at": ["month"]})
        return self


class AveragePensionModel(_Model):
    amount: Money
    assumption: bool = Field(strict=True)
    why: Text


class _RuleModel(_Model):
    period: Literal["month", "year"]
    deductions: list[DeductionModel] = []
    credit: CreditModel | None = None


class FixedRule(_RuleModel):
    form: Literal["fixed"]
    amount: Money


class AnnualLumpSumRule(_RuleModel):
    form: Literal["annual_lump_sum"]
    amount: Money


class AgeTieredRule(_RuleModel):
    form: Literal["age_tiered"]
    tiers: Annotated[list[TierModel], Field(min_length=1), AfterValidator(_tiers)]


class PensionShareRule(_RuleModel):
    """A share of the region's average pension. Callers hear an amount only when the file gives one to work from:
    an average pension (computed, said as an estimate) or the sources' own approximate figure (`about`). With
    neither, callers hear the rate alone: a number with no source is never presented as the region's own."""

    form: Literal["pension_share"]
    rate: Money
    rate_low: Money | None = None
    average_pension: AveragePensionModel | None = None
    about: Money | None = None

    @model_validator(mode="after")
    def _low_below_rate(self):
        if self.rate_low is not None and self.rate_low > self.rate:
            raise PydanticCustomError("rate_low_above", "rate_low is above rate", {"at": ["rate_low"]})
        if self.average_pension is not None and self.about is not None:
            raise PydanticCustomError("pension_two_amounts", "average_pension and about both given", {"at": ["about"]})
        return self


class OwnPensionShareRule(_RuleModel):
    form: Literal["own_pension_share"]
    rate: Money


RuleModel = Annotated[
    Union[FixedRule, AgeTieredRule, PensionShareRule, AnnualLumpSumRule, OwnPensionShareRule],
    Field(discriminator="form"),
]


SeedKey = Annotated[str, Field(strict=True), AfterValidator(_seed)]


class SeedModel(_Model):
    """One source article: its file among the seed articles and its title, so that a reader can find it."""

    file: Text
    title: Text


class QuoteModel(_Model):
    """A sentence of a source article that a figure of the rule comes from, copied word for word."""

    seed: SeedKey
    text: Text


class RegionModel(_Model):
    name: Text
    sources: Annotated[list[SeedKey], Field(min_length=1)]
    quotes: list[QuoteModel] = []
    area_codes: list[Annotated[str, Field(strict=True), AfterValidator(_area_code)]]
    note: str | None
    rule: RuleModel

    @model_validator(mode="after")
    def _quotes_from_sources(self):
        for index, quoted in enumerate(self.quotes):
            if quoted.seed not in self.sources:
                raise PydanticCustomError("quote_not_cited", "a quote from a seed the region does not cite",
                                          {"at": ["quotes", index, "seed"], "seed": quoted.seed})
        return self

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class RegionsFile(_Model):
    year: int = Field(ge=2000, le=2100, strict=True)
    seeds: Annotated[dict[SeedKey, SeedModel], Field(min_length=1)]
    regions: dict[str, RegionModel]

    @model_validator(mode="after")
    def _sources_are_seeds(self):
        for key, region in self.regions.items():
            for index, seed in enumerate(region.sources):
                if seed not in self.seeds:
                    raise PydanticCustomError("unknown_seed", "a source that is not among the seeds", {
                        "at": ["regions", key, "sources", index], "seed": seed, "seeds": ", ".join(self.seeds)})
        return self

    @field_validator("regions")
    @classmethod
    def _national_and_codes(cls, regions: dict[str, RegionModel]) -> dict[str, RegionModel]:
        if NATIONAL not in regions:
            raise PydanticCustomError("no_national", "the national entry is missing", {})
        claimed: dict[str, str] = {}
        for key, region in regions.items():
            _own_codes(key, region)
            for index, code in enumerate(region.area_codes):
                if code in claimed:
                    raise PydanticCustomError("area_code_twice", "area code claimed twice", {
                        "at": [key, "area_codes", index], "code": code, "other": claimed[code]})
                claimed[code] = key
        return regions


def _own_codes(key: str, region: RegionModel) -> None:
    # The national rule is the fallback for unlisted codes, so it owns none; every real region must own one.
    if key == NATIONAL and region.area_codes:
        raise PydanticCustomError("national_area_codes", "the national rule claims area codes", {"at": [key, "area_codes"]})
    if key != NATIONAL and not region.area_codes:
        raise PydanticCustomError("no_area_code", "a region without area codes", {"at": [key, "area_codes"]})


def check_regions(path: Path) -> tuple[RegionBook | None, list[SourceError]]:
    """The region book (None when the file has errors) and every problem in the file."""
    model, _, problems = validate_file(path, RegionsFile)
    if model is None:
        return None, problems
    regions = {key: _region(key, region) for key, region in model.regions.items()}
    national = regions.pop(NATIONAL)
    return RegionBook(model.year, regions, national), problems


def load_regions(path: Path) -> RegionBook:
    """Read data/regions.yaml; raise the first SourceError when it has any problem."""
    book, problems = check_regions(path)
    if problems:
        raise problems[0]
    return book


def _region(key: str, model: RegionModel) -> Region:
    return Region(
        key=key,
        name=model.name,
        sources=tuple(model.sources),
        area_codes=tuple(model.area_codes),
        note=(model.note or "").strip(),
        rule=_rule(model.rule),
    )


def _rule(model) -> Rule:
    average = getattr(model, "average_pension", None)
    credit = model.credit
    return Rule(
        form=model.form,
        period=model.period,
        tiers=tuple(Tier(t.from_age, t.to_age, t.amount) for t in getattr(model, "tiers", ())),
        amount=getattr(model, "amount", None),
        rate=getattr(model, "rate", None),
        rate_low=getattr(model, "rate_low", None),
        average_pension=AveragePension(average.amount, average.assumption, average.why.strip()) if average else None,
        about=getattr(model, "about", None),
        deductions=tuple(Deduction(d.what.strip(), d.amount) for d in model.deductions),
        credit=Credit(credit.every, credit.day, credit.month, credit.when) if credit else None,
    )
