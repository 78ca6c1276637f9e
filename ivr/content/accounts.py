"""data/accounts.yaml read into accounts: the demo and test accounts a fresh database is loaded with.

Every problem is told at file:line:column (ivr.content.explain), and `ivr check` reports them before a server
tries to load the file. An ID number in a message is always masked.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Protocol, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from ivr.content.explain import validate_file, where
from ivr.content.yamlsource import Located, SourceError
from ivr.core.accounts import Account, Record
from ivr.core.idnumber import check, mask


class Passwords(Protocol):
    """What loading needs of the password hasher (ivr.storage provides it): demo passwords are hashed on load."""

    def hash(self, id_number: str, password: str) -> str: ...


Money = Annotated[Decimal, Field(ge=0)]

# A telephone number in E.164 form, as Twilio gives the caller's number: + and up to fifteen digits.
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _day(value):
    # YAML reads an unquoted 2026-11-20 as a date already; a quoted one is text that must be a real date.
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("not_a_date", "not a date", {"value": value})


def _id_number(value: str) -> str:
    result = check(value)
    if not result.ok:
        raise PydanticCustomError("bad_id_number", "not a valid resident ID number",
                                  {"number": mask(value), "problem": result.problem})
    return result.number


def _month(value: str) -> str:
    try:
        dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise PydanticCustomError("not_a_month", "not a month", {"value": value}) from None
    return value


def _mobile(value: str) -> str:
    # The number itself is not repeated in the message: check output reaches the server's log.
    if not E164.match(value):
        raise PydanticCustomError("not_a_mobile", "not a telephone number in E.164 form", {})
    return value


def _digits(value: str) -> str:
    # Callers key their password on the phone, so it can only be digits.
    if not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("password_digits", "a password must be digits", {})
    return value


Day = Annotated[dt.date, BeforeValidator(_day)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MonthRecord(_Model):
    month: Annotated[str, Field(strict=True), AfterValidator(_month)]
    unpaid: bool = Field(default=False, strict=True)
    base: Money | None = None
    individual: Money | None = None
    employer: Money | None = None
    credited: Money | None = None

    @model_validator(mode="after")
    def _paid_month_has_amounts(self):
        for name in ("base", "individual", "employer", "credited"):
            if not self.unpaid and getattr(self, name) is None:
                raise PydanticCustomError("missing_field", "a paid month needs its amounts", {"field": name})
        return self


class YearRecord(_Model):
    year: int = Field(ge=1900, le=2100, strict=True)
    unpaid: bool = Field(default=False, strict=True)
    individual: Money | None = None


def _record_kind(value) -> str:
    return "yearly" if isinstance(value, dict) and "year" in value else "monthly"


RecordModel = Annotated[
    Union[Annotated[MonthRecord, Tag("monthly")], Annotated[YearRecord, Tag("yearly")]],
    Discriminator(_record_kind),
]


class LastCredit(_Model):
    date: Day | None = None
    amount: Money | None = None


class AccountModel(_Model):
    id_number: Annotated[str, Field(strict=True), AfterValidator(_id_number)]
    label: str = ""
    scheme: Literal["employee", "resident"]
    status: Literal["working", "retired"]
    region: str = Field(strict=True)
    # A balance below zero is an account in arrears (qian-fei), which the balance answer reads as the sum owed.
    balance: Decimal
    as_of: Day
    last_credit: LastCredit | None = None
    pension: Money | None = None
    months_paid_before: int = Field(default=0, ge=0, strict=True)
    locked: bool = Field(default=False, strict=True)
    records: list[RecordModel] | None = None
    password: Annotated[str, Field(strict=True), AfterValidator(_digits)] | None = None
    password_hash: str | None = Field(default=None, strict=True, min_length=1)
    # A caller from this number is asked whether they are this account's insured person instead of for the ID.
    mobile: Annotated[str, Field(strict=True), AfterValidator(_mobile)] | None = None

    @model_validator(mode="after")
    def _one_password(self):
        if (self.password is None) == (self.password_hash is None):
            raise PydanticCustomError("one_password", "give either password or password_hash", {})
        return self


class AccountsFile(_Model):
    accounts: list[AccountModel]

    @field_validator("accounts")
    @classmethod
    def _each_id_once(cls, accounts: list[AccountModel]) -> list[AccountModel]:
        first: dict[str, int] = {}
        for index, account in enumerate(accounts):
            if account.id_number in first:
                raise PydanticCustomError("id_twice", "the ID number appears twice", {
                    "at": [index, "id_number"], "number": mask(account.id_number), "first": first[account.id_number]})
            first[account.id_number] = index
        return accounts


def check_accounts(path: Path, region_keys: set[str] | None = None) -> tuple[AccountsFile | None, list[SourceError]]:
    """The validated file (None when it has errors) and every problem; regions are checked when keys are given."""
    model, located, problems = validate_file(path, AccountsFile)
    if model is None:
        return None, problems
    problems = _unknown_regions(model, located, region_keys)
    return (None if problems else model), problems


def load_accounts(path: Path, passwords: Passwords) -> list[Account]:
    """Read data/accounts.yaml into Account objects, raising the first SourceError; demo passwords are hashed here."""
    model, problems = check_accounts(path)
    if problems:
        raise problems[0]
    return [_account(item, passwords) for item in model.accounts]


def _unknown_regions(model: AccountsFile, located: Located, region_keys: set[str] | None) -> list[SourceError]:
    if region_keys is None:
        return []
    return [SourceError(located.mark(("accounts", index, "region")), "account_region_unknown",
                        where=where(("accounts", index, "region")), region=account.region)
            for index, account in enumerate(model.accounts) if account.region not in region_keys]


def _record(item: MonthRecord | YearRecord) -> Record:
    if isinstance(item, YearRecord):
        return Record(period=str(item.year), paid=not item.unpaid, individual=item.individual)
    if item.unpaid:
        return Record(period=item.month, paid=False)
    return Record(period=item.month, paid=True, base=item.base, individual=item.individual, employer=item.employer,
                  credited=item.credited)


def _account(item: AccountModel, passwords: Passwords) -> Account:
    last = item.last_credit or LastCredit()
    password_hash = item.password_hash or passwords.hash(item.id_number, item.password)
    return Account(
        id_number=item.id_number,
        password_hash=password_hash,
        scheme=item.scheme,
        status=item.status,
        region=item.region,
        balance=item.balance,
        as_of=item.as_of,
        last_credit_date=last.date,
        last_credit_amount=last.amount,
        pension=item.pension,
        months_paid_before=item.months_paid_before,
        locked=item.locked,
        label=item.label,
        mobile=item.mobile,
        records=tuple(sorted((_record(r) for r in item.records or []), key=lambda r: r.period, reverse=True)),
    )
