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
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, func, inspect, select

from ivr.content.accounts import load_accounts
from ivr.storage import migrate
from ivr.storage.passwords import Passwords
from ivr.storage.schema import accounts, call_states, locks, metadata, password_failures
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
        # Locks are kept apart from the account, so an account read back never says `locked`.
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


def test_wrong_passwords_lock_at_the_limit_within_the_window(store):
    assert store.record_failure(RETIREE, NOW, 3, DAY) == 1
    assert store.record_failure(RETIREE, NOW + dt.timedelta(hours=1), 3, DAY) == 2
    assert not store.is_locked(RETIREE)
    assert store.failures_since(RETIREE, NOW - DAY) == 2
    assert store.record_failure(RETIREE, NOW + dt.timedelta(hours=2), 3, DAY) == 3
    assert store.is_locked(RETIREE)
    assert store.unlock(RETIREE)
    assert not store.is_locked(RETIREE)
    assert store.failures_since(RETIREE, NOW - DAY) == 0
    assert not store.unlock(RETIREE)


def test_failures_older_than_the_window_do_not_count(store):
    store.record_failure(RETIREE, NOW, 3, DAY)
    store.record_failure(RETIREE, NOW + dt.timedelta(hours=1), 3, DAY)
    assert store.record_failure(RETIREE, NOW + DAY + dt.timedelta(hours=2), 3, DAY) == 1
    assert not store.is_locked(RETIREE)


def test_a_right_password_clears_the_count(store):
    store.record_failure(RETIREE, NOW, 3, DAY)
    store.record_failure(RETIREE, NOW, 3, DAY)
    store.clear_failures(RETIREE)
    assert store.record_failure(RETIREE, NOW, 3, DAY) == 1
    assert store.failures_since(EMPLOYEE, NOW - DAY) == 0


def test_call_state_is_saved_replaced_and_forgotten(store):
    assert store.load_call("CA1") is None
    store.save_call("CA1", {"node": "main", "seq": 0, "slots": {"region": "北京"}}, NOW)
    store.save_call("CA1", {"node": "balance", "seq": 1}, NOW)
    store.save_call("CA2", {"node": "rebate", "seq": 4}, NOW)
    assert store.load_call("CA1") == {"node": "balance", "seq": 1}
    store.end_call("CA1")
    assert store.load_call("CA1") is None
    assert store.load_call("CA2") == {"node": "rebate", "seq": 4}


def test_with_redis_nothing_of_it_lands_in_sql(store):
    store.record_failure(RETIREE, NOW, 3, DAY)
    store.save_call("CA1", {"node": "main"}, NOW)
    with store.engine.connect() as conn:
        failures = conn.execute(select(func.count()).select_from(password_failures)).scalar_one()
        states = conn.execute(select(func.count()).select_from(call_states)).scalar_one()
    assert (failures, states) == ((0, 0) if store.redis is not None else (1, 1))


def test_migrations_build_exactly_the_declared_schema(store):
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrate.head()
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_first_release_database_is_migrated_keeping_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    # The first release made these tables with create_all and had no migrations.
    first = MetaData()
    for table in (accounts, locks, password_failures, call_states, metadata.tables["records"]):
        table.to_metadata(first)
    first.create_all(engine)
    engine.dispose()
    old = Store(url)
    old.load_accounts(DEMO)
    old.engine.dispose()
    store = Store(url)
    store.create_schema()
    assert set(inspect(store.engine).get_table_names()) >= {"calls", "call_steps", "alembic_version"}
    assert migrate.current(store.engine) == migrate.head()
    assert store.account(EMPLOYEE).records == next(a for a in DEMO if a.id_number == EMPLOYEE).records
    store.create_schema()
    assert migrate.current(store.engine) == migrate.head()
    store.engine.dispose()


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
