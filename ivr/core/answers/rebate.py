"""What a retiree's personal account is credited each month, by region and age: the caller's own when a verified
retiree calls, otherwise the region (and age) the caller keys in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from ivr.core.accounts import Account
from ivr.core.answers import AnswerKind, Ask, Context, Spoken, register
from ivr.core.filling import Money, fill
from ivr.core.idnumber import age_on
from ivr.core.regions import Region, RegionBook, needs_age, quote
from ivr.core.templates import Model, Said, Template


class RebateAnswers(Model):
    own: Template("age", required=("region",))
    region: Said("region")
    fixed: Said("amount")
    age_tiered: Said("tier", "amount")
    age_tiered_yearly: Template("monthly", required=("tier", "amount"))
    pension_share: Template("pension", required=("rate", "amount"))
    pension_share_about: Said("rate", "amount")
    pension_share_rule: Said("rate")
    annual_lump_sum: Said("amount")
    own_pension_share: Said("rate")
    own_pension_amount: Said("amount")
    deduction: Template("what", "amount", required=("net",))
    assumption: str
    tier_below: Said("age")
    tier_from: Said("age")
    tier_between: Said("low", "high")
    credit_month_by: Said("day")
    credit_month_on: Said("day")
    credit_month_around: Said("day")
    credit_year: Said("date")
    credit_year_by: Said("date")
    credit_year_around: Said("date")
    who: str
    unknown_area: Template("code")
    national: Template("low", "pension", "amount", required=("high",))
    # The words that mark an amount worked out from a percentage as an estimate ("estimate" and "about").
    estimate: str
    about: str

    @model_validator(mode="after")
    def _estimates_said_as_such(self):
        # An amount worked out from a percentage is never exact, so every sentence that says one must say so.
        for field in ESTIMATES:
            text = getattr(self, field)
            if self.estimate not in text or self.about not in text:
                raise PydanticCustomError("estimate_words_missing", "an estimate not said as one",
                                          {"at": [field], "estimate": self.estimate, "about": self.about})
        return self


# The templates whose amount is worked out from a percentage.
ESTIMATES = ("pension_share", "pension_share_about", "own_pension_amount", "national")


@register
class Rebate(AnswerKind):
    name = "rebate"
    Templates = RebateAnswers
    collects = ("region", "age")
    actions = {"other_region": "region"}

    def speak(self, call: Context) -> Spoken | Ask:
        slots = call.slots
        account = call.account
        if "region" not in slots and "code" not in slots:
            if account is not None and account.is_retiree and slots.get("own", True):
                # A retiree's own rule: the note on who qualifies would tell them what they already are.
                return Spoken(own(call.script, call.regions, account, call.today))
            if account is None or not slots.get("own", True):
                return Ask("region")
            # A verified caller who is not a retiree: the region is known, so it is not asked for.
            slots["region"] = account.region
        if "code" in slots:
            return self._with_note(call, unknown(call.script, call.regions, slots["code"]))
        region = call.regions.get(slots["region"])
        age = slots.get("age")
        if age is None and account is not None:
            # The hotline knows a verified caller's age from the ID number and never asks for it.
            age = age_on(account.id_number, call.today)
        if needs_age(region) and age is None:
            return Ask("age")
        return self._with_note(call, chosen(call.script, region, age))

    def act(self, call: Context, action: str) -> Ask:
        # Another region: forget the one chosen, and do not fall back on the caller's own.
        told = call.slots.get("told", False)
        call.slots.clear()
        call.slots.update(own=False, told=told)
        return Ask("region")

    def _with_note(self, call: Context, sentences: list[str]) -> Spoken:
        """Who qualifies is said before the first rule heard on this visit, not with every region the caller tries;
        before, not after, so that the options follow the facts at once."""
        account = call.account
        if call.slots.get("told") or (account is not None and account.is_retiree):
            # A verified retiree would be told what they already are.
            return Spoken(sentences)
        call.slots["told"] = True
        return Spoken([call.words.who] + sentences)


def for_region(script, region: Region, age: int | None, own_pension: Decimal | None = None) -> list[str]:
    """The rule of one region, with the amount for this age where the rule depends on age."""
    words = script.answers.rebate
    read = script.reader
    rule = region.rule
    q = quote(region, age, own_pension)
    spoken = _form_words(script, q, rule)
    for deduction in rule.deductions:
        if q.net_monthly is not None:
            spoken.append(fill(words.deduction, read, what=deduction.what, amount=Money(deduction.amount), net=Money(q.net_monthly)))
    if q.average_pension is not None and q.average_pension.assumption and q.form == "pension_share":
        spoken.append(words.assumption)
    if rule.credit is not None:
        spoken.append(_credit_words(script, rule.credit))
    return spoken


def _form_words(script, q, rule) -> list[str]:
    """The sentences of the rule's form: how much, and how it is worked out."""
    words = script.answers.rebate
    read = script.reader
    if q.form == "fixed":
        return [fill(words.fixed, read, amount=Money(q.gross))]
    if q.form == "age_tiered":
        tier = _tier_words(script, q.tier, rule.tiers)
        if rule.period == "year":
            return [fill(words.age_tiered_yearly, read, tier=tier, amount=Money(q.gross), monthly=Money(q.monthly))]
        return [fill(words.age_tiered, read, tier=tier, amount=Money(q.gross))]
    if q.form == "pension_share":
        return [_pension_share_words(script, q)]
    if q.form == "annual_lump_sum":
        return [fill(words.annual_lump_sum, read, amount=Money(q.gross))]
    if q.form == "own_pension_share":
        spoken = [words.own_pension_share.format(rate=read.percent(q.rate))]
        if q.gross is not None:
            spoken.append(words.own_pension_amount.format(amount=read.amount(q.gross)))
        return spoken
    return []


def _pension_share_words(script, q) -> str:
    """A share of the average pension: an estimate from the average pension or the sources' approximate amount,
    or the rate alone when the file has neither. Its sums are read as inside a sentence, without zheng, wherever they
    stand: an estimate is never a whole sum."""
    words = script.answers.rebate
    read = script.reader
    rate = read.percent(q.rate)
    if q.average_pension is not None:
        pension = read.amount(q.average_pension.amount)
        return words.pension_share.format(rate=rate, pension=pension, amount=read.amount(q.monthly))
    if q.monthly is not None:
        return words.pension_share_about.format(rate=rate, amount=read.amount(q.monthly))
    return words.pension_share_rule.format(rate=rate)


def own(script, book: RegionBook, account: Account, today: dt.date) -> list[str]:
    """A verified retiree's own rule: their region, their age and, where the rule uses it, their pension."""
    region = book.get(account.region)
    age = age_on(account.id_number, today)
    opening = script.answers.rebate.own.format(region=region.name, age=script.reader.integer(age))
    return [opening] + for_region(script, region, age, account.pension)


def chosen(script, region: Region, age: int | None) -> list[str]:
    return [script.answers.rebate.region.format(region=region.name)] + for_region(script, region, age)


def unknown(script, book: RegionBook, code: str) -> list[str]:
    """No rule for this area code: say so, then the national rule with the seeds' worked example."""
    words = script.answers.rebate
    read = script.reader
    national = book.national
    q = quote(national, None)
    return [
        words.unknown_area.format(code=read.digits(code)),
        words.national.format(
            low=read.percent(national.rule.rate_low),
            high=read.percent(national.rule.rate),
            pension=read.amount(national.rule.average_pension.amount),
            amount=read.amount(q.monthly),
        ),
    ]


def _tier_words(script, tier, tiers) -> str:
    words = script.answers.rebate
    read = script.reader
    if tier.to_age is None:
        return words.tier_from.format(age=read.integer(tier.from_age))
    if tier is tiers[0]:
        return words.tier_below.format(age=read.integer(tier.to_age + 1))
    return words.tier_between.format(low=read.integer(tier.from_age), high=read.integer(tier.to_age))


def _credit_words(script, credit) -> str:
    words = script.answers.rebate
    read = script.reader
    if credit.every == "year":
        template = {"by": words.credit_year_by, "on": words.credit_year, "around": words.credit_year_around}[credit.when]
        return template.format(date=read.month_day(credit.month or 1, credit.day))
    template = {"by": words.credit_month_by, "on": words.credit_month_on, "around": words.credit_month_around}[credit.when]
    return template.format(day=read.integer(credit.day))
