"""Spoken answers built from account and region data with the operators' templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ivr.core.accounts import Account
from ivr.core.idnumber import age_on
from ivr.core.regions import Region, RegionBook, quote
from ivr.core.script import Script


def balance(script: Script, account: Account) -> list[str]:
    words = script.answers.balance
    read = script.reader
    if account.scheme == "resident":
        return [words.resident]
    spoken = [words.text.format(as_of=read.date(account.as_of), balance=read.amount(account.balance))]
    if account.last_credit_date and account.last_credit_amount is not None:
        spoken.append(words.last_credit.format(date=read.date(account.last_credit_date), amount=read.amount(account.last_credit_amount)))
    return spoken


@dataclass(frozen=True)
class Page:
    sentences: list[str]
    number: int  # zero-based
    count: int


def page_count(script: Script, account: Account) -> int:
    size = script.settings.page_size
    return max(1, -(-len(account.records) // size))


def payments(script: Script, account: Account, page: int) -> Page:
    """One page of payment records, newest first; the first page opens with the years paid."""
    words = script.answers.payments
    read = script.reader
    size = script.settings.page_size
    count = page_count(script, account)
    page = min(max(page, 0), count - 1)
    if not account.records:
        return Page([words.none], 0, 1)
    spoken = []
    if page == 0:
        if account.scheme == "resident":
            paid = account.months_paid_before + 12 * sum(1 for r in account.records if r.paid)
        else:
            paid = account.months_paid_before + sum(1 for r in account.records if r.paid)
        years, months = divmod(paid, 12)
        if months:
            spoken.append(words.total.format(years=read.count(years), months=read.count(months)))
        else:
            spoken.append(words.total_whole_years.format(years=read.count(years)))
        gaps = sum(1 for r in account.records if not r.paid)
        if gaps:
            spoken.append(words.gaps.format(count=read.count(gaps)))
    for record in account.records[page * size:(page + 1) * size]:
        spoken.append(_record(script, record))
    if count > 1:
        spoken.append(words.page.format(page=read.integer(page + 1), pages=read.count(count)))
    return Page(spoken, page, count)


def page_hint(script: Script, page: Page) -> str:
    """The paging keys that make sense on this page, before the node's own `after` hint."""
    words = script.answers.payments
    hint = ""
    if page.number + 1 < page.count:
        hint += words.next_hint
    if page.number > 0:
        hint += words.previous_hint
    return hint


def _record(script: Script, record) -> str:
    words = script.answers.payments
    read = script.reader
    if len(record.period) == 4:
        month = read.digits(record.period)
    else:
        year, month_number = record.period.split("-")
        month = read.year_month(int(year), int(month_number))
    if not record.paid:
        return words.unpaid.format(month=month)
    if record.base is None:
        # Resident insurance is paid once a year and has no base, employer share or personal account.
        return words.year.format(year=month, individual=read.amount(record.individual))
    return words.month.format(
        month=month,
        base=read.amount(record.base),
        individual=read.amount(record.individual),
        employer=read.amount(record.employer),
        credited=read.amount(record.credited),
    )


def rebate_for_region(script: Script, region: Region, age: int | None, own_pension: Decimal | None = None) -> list[str]:
    """The rule of one region, with the amount for this age where the rule depends on age."""
    words = script.answers.rebate
    read = script.reader
    rule = region.rule
    q = quote(region, age, own_pension)
    spoken = []
    if q.form == "fixed":
        spoken.append(words.fixed.format(amount=read.amount(q.gross)))
    elif q.form == "age_tiered":
        tier = _tier_words(script, q.tier, rule.tiers)
        if rule.period == "year":
            spoken.append(words.age_tiered_yearly.format(tier=tier, amount=read.amount(q.gross), monthly=read.amount(q.monthly)))
        else:
            spoken.append(words.age_tiered.format(tier=tier, amount=read.amount(q.gross)))
    elif q.form == "pension_share":
        spoken.append(words.pension_share.format(
            rate=read.percent(q.rate), pension=read.amount(q.average_pension.amount), amount=read.amount(q.monthly)
        ))
    elif q.form == "annual_lump_sum":
        spoken.append(words.annual_lump_sum.format(amount=read.amount(q.gross)))
    elif q.form == "own_pension_share":
        spoken.append(words.own_pension_share.format(rate=read.percent(q.rate)))
        if q.gross is not None:
            spoken.append(words.own_pension_amount.format(amount=read.amount(q.gross)))
    for deduction in rule.deductions:
        if q.net_monthly is not None:
            spoken.append(words.deduction.format(what=deduction.what, amount=read.amount(deduction.amount), net=read.amount(q.net_monthly)))
    if q.average_pension is not None and q.average_pension.assumption and q.form == "pension_share":
        spoken.append(words.assumption)
    if rule.credit is not None:
        spoken.append(_credit_words(script, rule.credit))
    spoken.append(words.who)
    return spoken


def rebate_own(script: Script, book: RegionBook, account: Account, today: dt.date) -> list[str]:
    region = book.get(account.region)
    age = age_on(account.id_number, today)
    opening = script.answers.rebate.own.format(region=region.name, age=script.reader.integer(age))
    return [opening] + rebate_for_region(script, region, age, account.pension)


def rebate_chosen(script: Script, region: Region, age: int | None) -> list[str]:
    return [script.answers.rebate.region.format(region=region.name)] + rebate_for_region(script, region, age)


def rebate_unknown(script: Script, book: RegionBook, code: str) -> list[str]:
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
        words.who,
    ]


def _tier_words(script: Script, tier, tiers) -> str:
    words = script.answers.rebate
    read = script.reader
    if tier.to_age is None:
        return words.tier_from.format(age=read.integer(tier.from_age))
    if tier.from_age == 0 or tier is tiers[0]:
        return words.tier_below.format(age=read.integer(tier.to_age + 1))
    return words.tier_between.format(low=read.integer(tier.from_age), high=read.integer(tier.to_age))


def _credit_words(script: Script, credit) -> str:
    words = script.answers.rebate
    read = script.reader
    if credit.every == "year":
        template = {"by": words.credit_year_by, "on": words.credit_year, "around": words.credit_year_around}[credit.when]
        return template.format(date=read.month_day(credit.month or 1, credit.day))
    template = {"by": words.credit_month_by, "on": words.credit_month_on, "around": words.credit_month_around}[credit.when]
    return template.format(day=read.integer(credit.day))
