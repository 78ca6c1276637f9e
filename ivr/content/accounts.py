"""data/accounts.yaml read into accounts: the demo and test accounts a fresh database is loaded with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

import yaml

from ivr.core.accounts import Account, Record
from ivr.core.idnumber import check


class Passwords(Protocol):
    """What loading needs of the password hasher (ivr.storage provides it): demo passwords are hashed on load."""

    def hash(self, id_number: str, password: str) -> str: ...


class AccountDataError(Exception):
    """The accounts file is wrong; the message names the file, the account and the field."""


def load_accounts(path: Path, passwords: Passwords) -> list[Account]:
    """Read data/accounts.yaml into Account objects, refusing anything ambiguous; demo passwords are hashed here."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise AccountDataError(f"{path}: YAML syntax: {exc}") from None
    accounts = []
    seen = set()
    for index, item in enumerate(data.get("accounts") or []):
        where = f"{path}: accounts[{index}]"
        try:
            account = _account(item, passwords)
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise AccountDataError(f"{where}: {exc!r}") from None
        if not check(account.id_number).ok:
            raise AccountDataError(f"{where}: {account.id_number[:6]}... is not a valid resident ID number")
        if account.id_number in seen:
            raise AccountDataError(f"{where}: the ID number appears twice")
        seen.add(account.id_number)
        accounts.append(account)
    return accounts


def _money(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise ValueError("amounts must be quoted strings, not floats")
    return Decimal(str(value))


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _record(item: dict) -> Record:
    if "year" in item:
        return Record(period=str(item["year"]), paid=not item.get("unpaid", False), individual=_money(item.get("individual")))
    if item.get("unpaid"):
        return Record(period=str(item["month"]), paid=False)
    return Record(
        period=str(item["month"]),
        paid=True,
        base=_money(item["base"]),
        individual=_money(item["individual"]),
        employer=_money(item["employer"]),
        credited=_money(item["credited"]),
    )


def _password_hash(item: dict, passwords: Passwords) -> str:
    if ("password" in item) == ("password_hash" in item):
        raise ValueError("give either password (a published demo password) or password_hash")
    if "password_hash" in item:
        return str(item["password_hash"])
    pin = str(item["password"])
    if not (pin.isascii() and pin.isdigit()):
        raise ValueError("password must be digits, as callers key it")
    return passwords.hash(str(item["id_number"]), pin)


def _account(item: dict, passwords: Passwords) -> Account:
    last = item.get("last_credit") or {}
    return Account(
        id_number=str(item["id_number"]),
        password_hash=_password_hash(item, passwords),
        scheme=item["scheme"],
        status=item["status"],
        region=item["region"],
        balance=_money(item["balance"]),
        as_of=_date(item["as_of"]),
        last_credit_date=_date(last.get("date")),
        last_credit_amount=_money(last.get("amount")),
        pension=_money(item.get("pension")),
        months_paid_before=int(item.get("months_paid_before", 0)),
        locked=bool(item.get("locked", False)),
        label=item.get("label", ""),
        records=tuple(sorted((_record(r) for r in item.get("records") or []), key=lambda r: r.period, reverse=True)),
    )
