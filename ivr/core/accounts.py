"""Insured persons' accounts: what a verified caller may hear about."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Record:
    """One period's contribution: a month for employee insurance, a year for resident insurance."""

    period: str  # "YYYY-MM" or "YYYY"
    paid: bool
    base: Decimal | None = None
    individual: Decimal | None = None
    employer: Decimal | None = None
    credited: Decimal | None = None


@dataclass(frozen=True)
class Account:
    id_number: str
    password_hash: str
    scheme: str  # employee or resident
    status: str  # working or retired
    region: str
    balance: Decimal
    as_of: dt.date
    last_credit_date: dt.date | None = None
    last_credit_amount: Decimal | None = None
    pension: Decimal | None = None
    months_paid_before: int = 0
    locked: bool = False
    label: str = ""
    # The mobile number registered on the account (E.164), where text messages go; the store keeps its keyed hash
    # (to recognise a caller) and the number sealed (to text it), never the number in the clear.
    mobile: str | None = None
    # None when the account was read without them (ivr.store reads them only for the payment records answer).
    records: tuple[Record, ...] | None = field(default=())

    @property
    def is_retiree(self) -> bool:
        """Only retirees of employee insurance receive the monthly credit."""
        return self.scheme == "employee" and self.status == "retired"
