"""The data layer's contract, the same on SQLite, PostgreSQL, and either with Redis for counters and call state."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, func, inspect, select, text

from ivr.content.accounts import load_accounts
from ivr.core.ports import Attempt, Limit, Registered
from ivr.storage import migrate
from ivr.storage.passwords import Passwords
from ivr.storage.schema import call_states, locks, metadata, password_guards
from ivr.storage.store import Store
from tests.services import postgres_url, redis_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = Passwords("test-password-key-0123456789abcdef")
DEMO = load_accounts(ROOT / "data" / "accounts.yaml", PASSWORDS)
EMPLOYEE = "440305198503150016"
RETIREE = "110101196106080024"
LOCKED = "370102195802140051"
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(hours=24)
LIMIT = Limit(3, DAY)
RETIREE_PASSWORD, EMPLOYEE_PASSWORD = "111111", "123456"
# A valid ID number (its checksum is right) that has no account.
UNKNOWN = "110101190001011009"
# Another demo account that is not locked.
LOCKED_NOT = "110108195404120012"
PHONE, OTHER_PHONE = "+8613800138000", "+8613900139000"


@pytest.fixture(params=["sqlite", "postgres", "sqlite+redis", "postgres+redis"])
def store(request, tmp_path):
    kind = request.param
    url = request.getfixturevalue("postgres_url") if kind.startswith("postgres") else f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    redis_url_, prefix = request.getfixturevalue("redis_url") if kind.endswith("redis") else ("", "ivr:")
    store = Store(url, redis_url_, prefix, PASSWORDS)
    store.create_schema()
    store.load_accounts(DEMO)
    yield store
    store.close()


def test_accounts_come_back_exactly_as_loaded(store):
    for account in DEMO:
        # Locks are kept apart from the account, so an account read back never says `locked`; its mobile comes back
        # from its sealed copy, to send texts to.
        assert store.account(account.id_number) == dataclasses.replace(account, locked=False)
    assert store.account("110101190001011009") is None
    assert store.account_count() == len(DEMO)
    assert store.account(EMPLOYEE).balance == Decimal("5678.90")


def test_replacing_accounts_overwrites_and_lifts_their_locks(store):
    assert store.is_locked(LOCKED)
    changed = [dataclasses.replace(a, balance=Decimal("1.05")) if a.id_number == EMPLOYEE else a for a in DEMO]
    store.load_accounts(changed, replace=True)
    assert store.account(EMPLOYEE).balance == Decimal("1.05")
    assert store.account_count() == len(DEMO)
    assert store.is_locked(LOCKED), "the demo account marked locked is locked again"


def attempt(store, id_number, keys, now=NOW, caller="", caller_limit=None):
    return store.attempt_password(store.reference(id_number), keys, caller, now, LIMIT, caller_limit)


def test_wrong_passwords_lock_at_the_limit_within_the_window(store):
    assert attempt(store, RETIREE, "000000") == Attempt("wrong", 2)
    assert attempt(store, RETIREE, "000000", NOW + dt.timedelta(hours=1)) == Attempt("wrong", 1)
    assert not store.is_locked(RETIREE)
    assert store.failures_since(RETIREE, NOW - DAY) == 2
    assert attempt(store, RETIREE, "000000", NOW + dt.timedelta(hours=2)) == Attempt("locked")
    assert store.is_locked(RETIREE)
    assert attempt(store, RETIREE, RETIREE_PASSWORD, NOW + dt.timedelta(hours=3)) == Attempt("locked")
    assert store.unlock(RETIREE)
    assert not store.is_locked(RETIREE)
    assert store.failures_since(RETIREE, NOW - DAY) == 0
    assert not store.unlock(RETIREE)
    assert attempt(store, RETIREE, RETIREE_PASSWORD, NOW + dt.timedelta(hours=3)) == Attempt("verified")


def test_failures_older_than_the_window_do_not_count(store):
    attempt(store, RETIREE, "000000")
    attempt(store, RETIREE, "000000", NOW + dt.timedelta(hours=1))
    assert attempt(store, RETIREE, "000000", NOW + DAY + dt.timedelta(hours=2)) == Attempt("wrong", 2)
    assert not store.is_locked(RETIREE)


def test_a_right_password_clears_the_count(store):
    attempt(store, RETIREE, "000000")
    attempt(store, RETIREE, "000000")
    assert attempt(store, RETIREE, RETIREE_PASSWORD) == Attempt("verified")
    assert attempt(store, RETIREE, "000000") == Attempt("wrong", 2)
    assert store.failures_since(EMPLOYEE, NOW - DAY) == 0


def test_an_unknown_id_is_counted_and_locked_like_a_known_one(store):
    assert attempt(store, UNKNOWN, "000000") == attempt(store, RETIREE, "000000") == Attempt("wrong", 2)
    attempt(store, UNKNOWN, "000000")
    assert attempt(store, UNKNOWN, "000000") == Attempt("locked")
    assert store.is_locked(UNKNOWN)


def test_a_calling_number_is_limited_across_ids(store):
    per_number = Limit(4, DAY)
    for id_number in (RETIREE, EMPLOYEE, UNKNOWN):
        assert attempt(store, id_number, "000000", caller=PHONE, caller_limit=per_number).outcome == "wrong"
    assert attempt(store, LOCKED_NOT, "000000", caller=PHONE, caller_limit=per_number) == Attempt("caller_locked")
    # Even the right password is no longer checked from that number, while another number may still try it.
    assert attempt(store, EMPLOYEE, EMPLOYEE_PASSWORD, caller=PHONE, caller_limit=per_number) == Attempt("caller_locked")
    assert attempt(store, EMPLOYEE, EMPLOYEE_PASSWORD, caller=OTHER_PHONE, caller_limit=per_number) == Attempt("verified")
    # A refused attempt takes nothing from the ID's own count.
    assert store.failures_since(EMPLOYEE, NOW - DAY) == 0
    later = NOW + DAY + dt.timedelta(minutes=1)
    assert attempt(store, RETIREE, RETIREE_PASSWORD, later, caller=PHONE, caller_limit=per_number) == Attempt("verified")


def test_call_state_is_saved_replaced_and_forgotten(store):
    assert store.load_call("CA1") is None
    store.save_call("CA1", {"node": "main", "seq": 0, "slots": {"region": "北京"}}, NOW)
    store.save_call("CA1", {"node": "balance", "seq": 1}, NOW)
    store.save_call("CA2", {"node": "rebate", "seq": 4}, NOW)
    assert store.load_call("CA1") == {"node": "balance", "seq": 1}
    store.end_call("CA1")
    assert store.load_call("CA1") is None
    assert store.load_call("CA2") == {"node": "rebate", "seq": 4}


def test_counters_are_in_sql_and_call_state_in_redis_when_there_is_one(store):
    attempt(store, RETIREE, "000000")
    store.save_call("CA1", {"node": "main"}, NOW)
    with store.sql.connect() as conn:
        failures = conn.execute(select(func.count()).select_from(password_guards)).scalar_one()
        states = conn.execute(select(func.count()).select_from(call_states)).scalar_one()
    assert (failures, states) == ((1, 0) if store.redis is not None else (1, 1))


def test_a_number_registered_on_one_account_gives_its_reference_and_id_tail(store):
    assert store.registered("+8613900000065") == Registered(store.reference(RETIREE), RETIREE[-4:])
    assert store.registered("+8613900000076") == Registered(store.reference("11010519491231002X"), "002X")
    # A number on several accounts names none of them, as an unknown or missing one does.
    for number in ("+8613900000200", "+8613900000000", "8613900000065", ""):
        assert store.registered(number) is None


def test_loading_again_keeps_the_registered_numbers(store):
    store.load_accounts(DEMO, replace=True)
    assert store.registered("+8613900000065") == Registered(store.reference(RETIREE), RETIREE[-4:])
    moved = [dataclasses.replace(a, mobile=None if a.id_number == RETIREE else a.mobile) for a in DEMO]
    store.load_accounts(moved, replace=True)
    assert store.registered("+8613900000065") is None


def test_migrations_build_exactly_the_declared_schema(store):
    with store.sql.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrate.head()
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def first_release_database(url: str) -> None:
    """A database as the first release left it: its tables made without migrations, ID numbers in locks."""
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
    old = MetaData()
    old.reflect(engine)
    with engine.begin() as conn:
        for account in DEMO:
            row = {column.name: getattr(account, column.name, None) for column in old.tables["accounts"].columns}
            row.update(balance_fen=int(account.balance * 100), months_paid_before=account.months_paid_before,
                       label=account.label)
            conn.execute(old.tables["accounts"].insert(), row)
            conn.execute(old.tables["records"].insert(), [
                dict(id_number=account.id_number, period=r.period, paid=r.paid) for r in account.records])
        conn.execute(old.tables["locks"].insert(), {"id_number": LOCKED, "at": NOW.replace(tzinfo=None)})
        conn.execute(old.tables["password_failures"].insert(), {"id_number": RETIREE, "at": NOW.replace(tzinfo=None)})
    engine.dispose()


def test_a_first_release_database_is_migrated_keeping_its_data_under_keyed_hashes(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    first_release_database(url)
    store = Store(url, passwords=PASSWORDS)
    store.create_schema()
    assert set(inspect(store.sql).get_table_names()) >= {"calls", "call_steps", "alembic_version", "password_guards"}
    assert "password_failures" not in inspect(store.sql).get_table_names()
    assert migrate.current(store.sql) == migrate.head()
    assert [r.period for r in store.account(EMPLOYEE).records] == \
        [r.period for r in next(a for a in DEMO if a.id_number == EMPLOYEE).records]
    assert store.account(store.reference(EMPLOYEE)).id_number == EMPLOYEE
    assert store.is_locked(LOCKED) and not store.is_locked(RETIREE)
    with store.sql.connect() as conn:
        assert conn.execute(select(locks.c.subject)).scalars().all() == [store.reference(LOCKED)]
    store.create_schema()
    assert migrate.current(store.sql) == migrate.head()
    store.sql.dispose()


def test_the_registered_mobiles_migration_goes_down_and_up_keeping_every_record(tmp_path):
    url = f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    store = Store(url, passwords=PASSWORDS)
    store.create_schema()
    store.load_accounts(DEMO)

    def record_count() -> int:
        with store.sql.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM records")).scalar_one()

    assert record_count() == sum(len(a.records) for a in DEMO)
    with store.sql.begin() as conn:
        command.downgrade(migrate.config(conn), "0003")
    assert "mobile_hash" not in {c["name"] for c in inspect(store.sql).get_columns("accounts")}
    # Dropping the column must not copy the table: SQLite would delete the payment records with the old copy.
    assert record_count() == sum(len(a.records) for a in DEMO)
    store.create_schema()
    assert migrate.current(store.sql) == migrate.head()
    assert record_count() == sum(len(a.records) for a in DEMO)
    store.sql.dispose()


def test_the_ratings_and_texts_migration_goes_down_and_up_keeping_every_record(tmp_path):
    url = f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    store = Store(url, passwords=PASSWORDS)
    store.create_schema()
    store.load_accounts(DEMO)
    records = sum(len(a.records) for a in DEMO)
    with store.sql.begin() as conn:
        config = migrate.config(conn)
        # Down to the revision the ratings and texts migration (0008) follows, whichever later ones sit above it.
        command.downgrade(config, ScriptDirectory.from_config(config).get_revision("0008").down_revision)
    assert "texts" not in inspect(store.sql).get_table_names()
    assert "mobile_sealed" not in {c["name"] for c in inspect(store.sql).get_columns("accounts")}
    assert "rating" not in {c["name"] for c in inspect(store.sql).get_columns("calls")}
    with store.sql.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM records")).scalar_one() == records
    store.create_schema()
    assert migrate.current(store.sql) == migrate.head()
    # Accounts from before the migration have no sealed mobile until they are loaded again.
    assert store.account(RETIREE).mobile is None
    store.load_accounts(DEMO, replace=True)
    assert store.account(RETIREE).mobile == "+8613900000065"
    store.sql.dispose()


def test_a_database_with_id_numbers_is_not_migrated_without_the_password_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    first_release_database(url)
    store = Store(url)
    with pytest.raises(RuntimeError, match="IVR_PASSWORD_KEY"):
        store.create_schema()
    store.sql.dispose()


START = """
import sys
from ivr import create_app
store = create_app().extensions["ivr.store"]
print(store.account_count())
"""


def start_together(count: int, env: dict) -> list[str]:
    """Start `count` app processes at the same moment on one fresh database; return what each printed."""
    environment = {**os.environ, **env, "IVR_LOAD_DEMO": "1"}
    processes = [
        subprocess.Popen([sys.executable, "-c", START], env=environment, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        outputs.append(out.strip())
    return outputs


def test_processes_starting_together_on_sqlite_migrate_and_load_the_demo_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    assert start_together(3, {"DATABASE_URL": url}) == [str(len(DEMO))] * 3
    engine = create_engine(url)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Table("records", MetaData(), autoload_with=conn))).scalar_one() \
            == sum(len(a.records) for a in DEMO)
    engine.dispose()
