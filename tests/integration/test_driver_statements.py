"""On SQLite a step's statements run on the driver, and on PostgreSQL a batch of steps is copied: the rows are the
ones SQLAlchemy writes, and a database that fails is an outage to the store, as through SQLAlchemy."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import exc as sql_errors
from sqlalchemy import text

from ivr.storage.call_state import SAVE
from ivr.storage.database import CopiedRows, DriverStatement
from ivr.storage.schema import call_states, call_steps
from ivr.storage.store import BackendUnavailable, Store
from ivr.telephony.flow import StepRecord
from ivr.web.call_records import ADD_STEP, STEP_COLUMNS, CallLog
from tests.services import postgres_url  # noqa: F401  (fixture)

NOW = dt.datetime(2026, 11, 28, 2, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ivr.sqlite'}")
    store.create_schema()
    yield store
    store.close()


def raw_rows(store, table):
    with store.sql.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY 1")]


def test_the_driver_writes_the_rows_sqlalchemy_writes(store, tmp_path):
    log = CallLog(store.db)
    step = StepRecord("CA1", "keys", "main", True, NOW + dt.timedelta(microseconds=0), miss="nomatch")
    with store.held(), store.transaction():
        store.save_call("CA1", {"seq": 1}, NOW)
        log.record(step)
    driver = (raw_rows(store, call_states), raw_rows(store, call_steps))
    assert log._add_step is not None and store.calls._save is not None
    core = Store(f"sqlite:///{tmp_path / 'core.sqlite'}")
    core.create_schema()
    core.calls._save = core.calls._load = None
    core_log = CallLog(core.db)
    core_log._add_step = None
    with core.held(), core.transaction():
        core.save_call("CA1", {"seq": 0}, NOW)
    with core.held(), core.transaction():
        core.save_call("CA1", {"seq": 1}, NOW)
        core_log.record(step)
    assert (raw_rows(core, call_states), raw_rows(core, call_steps)) == driver
    assert store.load_call("CA1") == {"seq": 1}
    core.close()


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(store):
    with store.sql.connect() as conn:
        conn.execute(text("DROP TABLE call_steps"))
        conn.commit()
        statement = DriverStatement(ADD_STEP, store.sql, STEP_COLUMNS)
        with pytest.raises(sql_errors.OperationalError):
            statement.run(conn, {"call_sid": "CA1", "at": NOW, "kind": "keys", "node": "main", "ended": False,
                                 "miss": None})


def test_a_locked_database_is_an_outage_to_the_store(store):
    """SQLite's own error on the driver path (database is locked) is an outage, which the caller hears as the
    apology, not as a failed step."""
    store.save_call("CA1", {"seq": 1}, NOW)
    with store.sql.connect() as other:
        other.exec_driver_sql("PRAGMA busy_timeout=0")
        other.exec_driver_sql("BEGIN EXCLUSIVE")
        with store.sql.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            # The pooled connection the store takes next now gives up at once instead of after five seconds.
            with pytest.raises(BackendUnavailable):
                with store.held(), store.transaction():
                    store.save_call("CA1", {"seq": 2}, NOW)
        finally:
            other.rollback()


def test_statements_only_run_positionally_on_sqlite():
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(ValueError):
        DriverStatement(SAVE, engine)


STEPS = [StepRecord(f"CA{n}", kind, node, n == 3, NOW + dt.timedelta(seconds=n), miss=miss)
         for n, (kind, node, miss) in enumerate([("start", "welcome", ""), ("keys", "main", "nomatch"),
                                                 ("keys", "balance", ""), ("hangup", "goodbye", "noinput")])]


def test_a_batch_copied_to_postgres_holds_the_rows_sqlalchemy_writes(postgres_url):  # noqa: F811
    store = Store(postgres_url)
    store.create_schema()
    try:
        log = CallLog(store.db)
        assert log._copy_steps is not None
        with store.held(), store.db.writing() as conn:
            log._add_steps(conn, STEPS)
        copied = raw_rows(store, call_steps)
        with store.sql.begin() as conn:
            conn.execute(call_steps.delete())
        log._copy_steps = None
        with store.held(), store.db.writing() as conn:
            log._add_steps(conn, STEPS)
        # The ids differ (a sequence), everything else is the same, in the same order.
        assert [row[1:] for row in raw_rows(store, call_steps)] == [row[1:] for row in copied]
        assert [row[1:4] for row in copied][:2] == [("CA0", NOW.replace(tzinfo=None), "start"),
                                                    ("CA1", NOW.replace(tzinfo=None) + dt.timedelta(seconds=1), "keys")]
    finally:
        store.close()


def test_a_copy_that_fails_is_raised_as_sqlalchemy_raises_it(postgres_url):  # noqa: F811
    store = Store(postgres_url)
    store.create_schema()
    try:
        copy = CopiedRows("no_such_table", STEP_COLUMNS)
        with store.sql.connect() as conn, pytest.raises(sql_errors.ProgrammingError):
            copy.run(conn, [{"call_sid": "CA1", "at": NOW, "kind": "keys", "node": "main", "ended": False,
                             "miss": None}])
    finally:
        store.close()
