"""Call records older than the retention period are deleted: by the server as calls come in, and by `ivr purge`."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import func, select

from ivr.cli import main
from ivr.storage.schema import call_steps, callbacks, calls
from ivr.telephony.flow import StepRecord
from ivr.web.call_records import CallLog


def counts(store) -> tuple[int, int]:
    with store.sql.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (calls, call_steps))


def test_the_server_purges_old_call_records_by_itself(app, caller, clock):
    store = app.extensions["ivr.store"]
    old = caller()
    old.dial()
    old.press("1")
    assert counts(store) == (1, 2)
    clock.advance(days=91)
    new = caller()
    new.dial()
    # The old call and its steps are gone; the new call's first step is kept.
    assert counts(store) == (1, 1)
    with store.sql.connect() as conn:
        assert conn.execute(select(calls.c.call_sid)).scalars().all() == [new.call_sid]


def test_records_within_the_retention_period_are_kept(app, caller, clock):
    store = app.extensions["ivr.store"]
    caller().dial()
    clock.advance(days=89)
    caller().dial()
    assert counts(store) == (2, 2)


def test_the_purge_command_deletes_what_is_older_than_the_period(app, monkeypatch):
    store = app.extensions["ivr.store"]
    now = dt.datetime.now(dt.timezone.utc)
    log = CallLog(store.db)
    for sid, age in (("CAold", 60), ("CArecent", 10)):
        log.record(StepRecord(sid, "start", "main", False, now - dt.timedelta(days=age)))
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert result.output == "purged 1 calls and 1 steps older than 30 days\n"
    with store.sql.connect() as conn:
        assert conn.execute(select(calls.c.call_sid)).scalars().all() == ["CArecent"]
    result = CliRunner().invoke(main, ["purge"])
    assert result.output == "purged 0 calls and 0 steps older than 90 days\n"
    assert counts(store) == (1, 1)


def test_a_call_back_done_long_ago_is_purged_and_an_open_one_is_kept_however_old(app):
    """A call back holds the caller's number: it is deleted once done for the retention period, never while the caller
    is still owed the call."""
    store = app.extensions["ivr.store"]
    now = dt.datetime.now(dt.timezone.utc)
    long_ago, lately = now - dt.timedelta(days=120), now - dt.timedelta(days=10)
    done_long_ago = store.callbacks.request("+8613800000001", "beijing", "main", long_ago, None)
    store.callbacks.done(done_long_ago, long_ago)
    still_open = store.callbacks.request("+8613800000002", "beijing", "main", long_ago, None)
    done_lately = store.callbacks.request("+8613800000003", "beijing", "main", long_ago, None)
    store.callbacks.done(done_lately, lately)
    CallLog(store.db).purge(now)
    with store.sql.connect() as conn:
        kept = set(conn.execute(select(callbacks.c.id)).scalars())
    assert kept == {still_open, done_lately}
    assert [callback.id for callback in store.callbacks.open()] == [still_open]
