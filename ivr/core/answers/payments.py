"""Payment records, newest first, a page at a time, with the caller's own keys for the next and previous page."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.core.accounts import Account
from ivr.core.answers import AnswerKind, Context, Spoken, register
from ivr.core.filling import Money, fill
from ivr.core.templates import Model, Said, Template


class PaymentAnswers(Model):
    total: Said("years", "months")
    total_whole_years: Said("years")
    total_months: Said("months")
    gaps: Said("count")
    none: str
    month: Template("base", "employer", "credited", required=("month", "individual"))
    unpaid: Said("month")
    year: Said("year", "individual")
    page: Template("pages", required=("page",))
    next_hint: str
    previous_hint: str


NEXT, PREVIOUS = "next_page", "previous_page"


@register
class Payments(AnswerKind):
    name = "payments"
    Templates = PaymentAnswers
    verified_caller = True
    records = True
    actions = {NEXT: None, PREVIOUS: None}
    reserved_actions = frozenset({NEXT, PREVIOUS})

    def arrive(self, slots: dict) -> None:
        # A new visit starts on the first page.
        slots.pop("page", None)

    def speak(self, call: Context) -> Spoken:
        page = payments(call, call.account, call.slots.get("page", 0))
        call.slots["page"] = page.number
        return Spoken(page.sentences, page_hint(call.words, page), page.notes)

    def act(self, call: Context, action: str) -> Spoken | None:
        account = call.account
        if account is None:
            # Said again, the answer first asks who is calling.
            return None
        current = call.slots.get("page", 0)
        wanted = current + (1 if action == NEXT else -1)
        if wanted < 0 or wanted >= page_count(call.script.settings.page_size, account):
            edge = call.messages.last_page if action == NEXT else call.messages.first_page
            return Spoken([edge], page_hint(call.words, payments(call, account, current)))
        call.slots["page"] = wanted
        return None


@dataclass(frozen=True)
class Page:
    sentences: list[str]
    number: int  # zero-based
    count: int
    # Which page of how many: said after the records, just before the paging keys.
    notes: list[str] = field(default_factory=list)


def page_count(size: int, account: Account) -> int:
    return max(1, -(-len(account.records) // size))


def payments(call: Context, account: Account, page: int) -> Page:
    """One page of payment records, newest first; the first page opens with the years paid."""
    words = call.words
    read = call.read
    size = call.script.settings.page_size
    count = page_count(size, account)
    page = min(max(page, 0), count - 1)
    if not account.records:
        return Page([words.none], 0, 1)
    spoken = _totals(words, read, account) if page == 0 else []
    for record in account.records[page * size:(page + 1) * size]:
        spoken.append(_record(words, read, record))
    notes = [words.page.format(page=read.integer(page + 1), pages=read.count(count))] if count > 1 else []
    return Page(spoken, page, count, notes)


def _totals(words: PaymentAnswers, read, account: Account) -> list[str]:
    """The years and months paid, and how many months in the records were missed."""
    paid_records = sum(1 for r in account.records if r.paid)
    # Resident insurance is paid once a year, so each of its records is twelve months.
    paid = account.months_paid_before + (12 if account.scheme == "resident" else 1) * paid_records
    years, months = divmod(paid, 12)
    if not years:
        # Zero whole years is not said (ling-nian liang-ge-yue); the months alone are the total.
        spoken = [words.total_months.format(months=read.count(months))]
    elif months:
        spoken = [words.total.format(years=read.count(years), months=read.count(months))]
    else:
        spoken = [words.total_whole_years.format(years=read.count(years))]
    gaps = sum(1 for r in account.records if not r.paid)
    if gaps:
        spoken.append(words.gaps.format(count=read.count(gaps)))
    return spoken


def page_hint(words: PaymentAnswers, page: Page) -> str:
    """The paging keys that make sense on this page, before the node's own `after` hint."""
    hint = words.next_hint if page.number + 1 < page.count else ""
    if page.number > 0:
        hint += words.previous_hint
    return hint


def _record(words: PaymentAnswers, read, record) -> str:
    if len(record.period) == 4:
        month = read.digits(record.period)
    else:
        year, month_number = record.period.split("-")
        month = read.year_month(int(year), int(month_number))
    if not record.paid:
        return words.unpaid.format(month=month)
    if record.base is None:
        # Resident insurance is paid once a year and has no base, employer share or personal account.
        return fill(words.year, read, year=month, individual=Money(record.individual))
    return fill(
        words.month,
        read,
        month=month,
        base=Money(record.base),
        individual=Money(record.individual),
        employer=Money(record.employer),
        credited=Money(record.credited),
    )
