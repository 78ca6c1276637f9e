"""The data layer: accounts, password lockouts and call state in one SQL database (SQLite by default)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from .accounts import Account, Record

metadata = MetaData()

# Amounts are kept as whole fen (cents) so that every database stores them exactly.
accounts = Table(
    "accounts",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("region", String(32), nullable=False),
    Column("balance_fen", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("last_credit_date", Date),
    Column("last_credit_fen", Integer),
    Column("pension_fen", Integer),
    Column("months_paid_before", Integer, nullable=False, default=0),
    Column("label", String(200), nullable=False, default=""),
)

records = Table(
    "records",
    metadata,
    Column("id_number", String(18), ForeignKey("accounts.id_number", ondelete="CASCADE"), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("paid", Boolean, nullable=False),
    Column("base_fen", Integer),
    Column("individual_fen", Integer),
    Column("employer_fen", Integer),
    Column("credited_fen", Integer),
)

password_failures = Table(
    "password_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("at", DateTime, nullable=False),
)

call_states = Table(
    "call_states",
    metadata,
    Column("call_sid", String(64), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated", DateTime, nullable=False, index=True),
)

# A call's state is forgotten this long after its last step; no call lasts that long.
CALL_STATE_TTL = dt.timedelta(hours=4)


def _fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def _yuan(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def _utc(moment: dt.datetime) -> dt.datetime:
    """Naive UTC, the one form every database here stores the same way."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


class Store:
    """Everything the hotline keeps, behind one SQLAlchemy engine."""

    def __init__(self, url: str):
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    # Accounts.

    def account_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(accounts)).scalar_one()

    def load_accounts(self, items: list[Account], replace: bool = False) -> int:
        """Write accounts (and their records); with replace, existing ones are overwritten."""
        with self.engine.begin() as conn:
            for account in items:
                if replace:
                    conn.execute(delete(records).where(records.c.id_number == account.id_number))
                    conn.execute(delete(accounts).where(accounts.c.id_number == account.id_number))
                    conn.execute(delete(locks).where(locks.c.id_number == account.id_number))
                    conn.execute(delete(password_failures).where(password_failures.c.id_number == account.id_number))
                conn.execute(insert(accounts).values(
                    id_number=account.id_number,
                    password_hash=account.password_hash,
                    scheme=account.scheme,
                    status=account.status,
                    region=account.region,
                    balance_fen=_fen(account.balance),
                    as_of=account.as_of,
                    last_credit_date=account.last_credit_date,
                    last_credit_fen=_fen(account.last_credit_amount),
                    pension_fen=_fen(account.pension),
                    months_paid_before=account.months_paid_before,
                    label=account.label,
                ))
                if account.records:
                    conn.execute(insert(records), [
                        dict(
                            id_number=account.id_number,
                            period=record.period,
                            paid=record.paid,
                            base_fen=_fen(record.base),
                            individual_fen=_fen(record.individual),
                            employer_fen=_fen(record.employer),
                            credited_fen=_fen(record.credited),
                        )
                        for record in account.records
                    ])
                if account.locked:
                    conn.execute(insert(locks).values(id_number=account.id_number, at=_utc(dt.datetime.now(dt.timezone.utc))))
        return len(items)

    def account(self, id_number: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id_number == id_number)).mappings().first()
            if row is None:
                return None
            rows = conn.execute(
                select(records).where(records.c.id_number == id_number).order_by(records.c.period.desc())
            ).mappings().all()
        return Account(
            id_number=row["id_number"],
            password_hash=row["password_hash"],
            scheme=row["scheme"],
            status=row["status"],
            region=row["region"],
            balance=_yuan(row["balance_fen"]),
            as_of=row["as_of"],
            last_credit_date=row["last_credit_date"],
            last_credit_amount=_yuan(row["last_credit_fen"]),
            pension=_yuan(row["pension_fen"]),
            months_paid_before=row["months_paid_before"],
            label=row["label"],
            records=tuple(
                Record(
                    period=r["period"],
                    paid=r["paid"],
                    base=_yuan(r["base_fen"]),
                    individual=_yuan(r["individual_fen"]),
                    employer=_yuan(r["employer_fen"]),
                    credited=_yuan(r["credited_fen"]),
                )
                for r in rows
            ),
        )

    # Password failures and locks.

    def is_locked(self, id_number: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(locks.c.id_number).where(locks.c.id_number == id_number)).first() is not None

    def failures_since(self, id_number: str, since: dt.datetime) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(password_failures).where(
                    password_failures.c.id_number == id_number, password_failures.c.at >= _utc(since)
                )
            ).scalar_one()

    def record_failure(self, id_number: str, now: dt.datetime, attempts: int, window: dt.timedelta) -> int:
        """Count one wrong password; lock the ID when the window holds `attempts` of them. Returns the count."""
        with self.engine.begin() as conn:
            conn.execute(insert(password_failures).values(id_number=id_number, at=_utc(now)))
            count = conn.execute(
                select(func.count()).select_from(password_failures).where(
                    password_failures.c.id_number == id_number, password_failures.c.at >= _utc(now - window)
                )
            ).scalar_one()
            if count >= attempts:
                already = conn.execute(select(locks.c.id_number).where(locks.c.id_number == id_number)).first()
                if already is None:
                    conn.execute(insert(locks).values(id_number=id_number, at=_utc(now)))
        return count

    def clear_failures(self, id_number: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(password_failures).where(password_failures.c.id_number == id_number))

    def unlock(self, id_number: str) -> bool:
        """Lift a lock, as a service counter does after checking the person's documents."""
        with self.engine.begin() as conn:
            conn.execute(delete(password_failures).where(password_failures.c.id_number == id_number))
            return conn.execute(delete(locks).where(locks.c.id_number == id_number)).rowcount > 0

    # Call state, kept by CallSid so that any process can serve any step of a call.

    def load_call(self, call_sid: str) -> dict | None:
        with self.engine.connect() as conn:
            text = conn.execute(select(call_states.c.state).where(call_states.c.call_sid == call_sid)).scalar()
        return None if text is None else json.loads(text)

    def save_call(self, call_sid: str, state: dict, now: dt.datetime) -> None:
        text = json.dumps(state, ensure_ascii=False, sort_keys=True)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(call_states).where(call_states.c.call_sid == call_sid).values(state=text, updated=_utc(now))
            ).rowcount
            if not changed:
                conn.execute(insert(call_states).values(call_sid=call_sid, state=text, updated=_utc(now)))
                # New calls are a natural moment to forget calls that ended long ago.
                conn.execute(delete(call_states).where(call_states.c.updated < _utc(now - CALL_STATE_TTL)))

    def end_call(self, call_sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(call_states).where(call_states.c.call_sid == call_sid))


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets several server processes read while one writes; the busy timeout makes writers wait, not fail.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
