"""A webhook step holds one database connection, and writes its state and its record in one transaction."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import event, func, select

from ivr.storage.schema import call_steps
from ivr.storage.store import Store
from ivr.telephony.flow import StepRecord

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


class Counts:
    """Pool checkouts and commits on one engine."""

    def __init__(self, engine):
        self.checkouts = 0
        self.commits = 0
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "commit", self._commit)

    def _checkout(self, *args):
        self.checkouts += 1

    def _commit(self, *args):
        self.commits += 1


@pytest.fixture
def counts(app):
    return Counts(app.extensions["ivr.store"].sql)


def test_a_step_takes_one_connection_and_commits_once(caller, counts):
    call = caller()
    call.dial()
    call.press("1")
    before = (counts.checkouts, counts.commits)
    # The ID step reads the lock and the account, then writes the state and the step's record.
    call.press("110101196106080024#")
    assert (counts.checkouts - before[0], counts.commits - before[1]) == (1, 1)


def test_the_state_and_the_record_are_saved_together_or_not_at_all(app):
    store = app.extensions["ivr.store"]
    record = app.extensions["ivr.flow"].record

    with pytest.raises(RuntimeError):
        with store.transaction():
            store.save_call("CA1", {"node": "main", "seq": 1}, NOW)
            record(StepRecord("CA1", "keys", "main", False, NOW))
            raise RuntimeError("the step failed after both writes")
    assert store.load_call("CA1") is None
    with store.sql.connect() as conn:
        assert conn.execute(select(func.count()).select_from(call_steps)).scalar_one() == 0

    with store.transaction():
        store.save_call("CA1", {"node": "main", "seq": 1}, NOW)
        record(StepRecord("CA1", "keys", "main", False, NOW))
    assert store.load_call("CA1") == {"node": "main", "seq": 1}


def test_outside_a_step_each_write_is_committed_at_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ivr.sqlite'}")
    store.create_schema()
    store.save_call("CA1", {"seq": 1}, NOW)
    other = Store(f"sqlite:///{tmp_path / 'ivr.sqlite'}")
    assert other.load_call("CA1") == {"seq": 1}
    store.close()
    other.close()


def test_threads_each_hold_their_own_connection(tmp_path):
    """Steps served by the threads of one process at once: no connection is shared, no write is lost or refused."""
    store = Store(f"sqlite:///{tmp_path / 'ivr.sqlite'}")
    store.create_schema()
    errors = []

    def steps(thread: int) -> None:
        try:
            for seq in range(40):
                with store.held():
                    sid = f"CA{thread}"
                    assert store.load_call(sid) == (None if seq == 0 else {"seq": seq - 1})
                    with store.transaction():
                        store.save_call(sid, {"seq": seq}, NOW)
        except Exception as exc:  # Reported below: an assertion in a thread would otherwise go unseen.
            errors.append(exc)

    threads = [threading.Thread(target=steps, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert [store.load_call(f"CA{n}") for n in range(8)] == [{"seq": 39}] * 8
    store.close()
