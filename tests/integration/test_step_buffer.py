"""With Redis, each step's record waits in Redis beside the call's state and is moved to SQL in batches: a menu key
takes no SQL connection, yet every record reaches the call records, in order, whatever process moves it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from ivr import create_app
from ivr.storage.schema import call_steps, calls
from ivr.tools.phone import Phone
from tests.conftest import MONDAY_10AM, TOKEN
from tests.integration.test_operator import PASSWORD, auth
from tests.prompts import NODES, SETTINGS
from tests.services import postgres_url, redis_url  # noqa: F401  (fixtures)

ID_NUMBER, ACCOUNT_PASSWORD = "110101196106080024", "111111"


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture(params=["postgres+redis", "sqlite+redis"])
def database_url(request, tmp_path):
    if request.param == "postgres+redis":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'ivr.sqlite'}"


def make_app(database_url, redis_url, clock):  # noqa: F811  (fixture name)
    url, prefix = redis_url
    return create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": database_url, "REDIS_URL": url,
                       "IVR_REDIS_PREFIX": prefix, "CLOCK": clock, "IVR_OPERATOR_PASSWORD": PASSWORD})


@pytest.fixture
def app(database_url, redis_url, clock):  # noqa: F811  (fixtures)
    app = make_app(database_url, redis_url, clock)
    yield app
    app.extensions["ivr.store"].close()


def stop_flushing(app) -> None:
    """Keep this app's background flusher from moving the records, as if its process had died after answering."""
    app.extensions["ivr.flow"].buffered = None
    app.extensions["ivr.calllog"].flusher.wake = lambda: None


def rows(app, table, *order):
    with app.extensions["ivr.store"].sql.connect() as conn:
        return [dict(row) for row in conn.execute(select(table).order_by(*order)).mappings()]


def checkouts(app) -> list:
    """Every SQL connection taken from the pool from now on."""
    taken = []
    event.listen(app.extensions["ivr.store"].sql, "checkout", lambda *args: taken.append(args))
    return taken


def test_a_menu_key_takes_no_sql_connection_and_its_record_waits_in_redis(app):
    stop_flushing(app)
    store = app.extensions["ivr.store"]
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    waiting = store.steps.pending()
    taken = checkouts(app)
    call.press("3")
    call.press(SETTINGS.keys.main)
    assert taken == []
    assert store.steps.pending() == waiting + 2
    assert rows(app, call_steps, call_steps.c.id) == []


def test_the_call_s_end_waits_with_its_steps_and_is_written_after_them(app, clock):
    stop_flushing(app)
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    clock.advance(seconds=5)
    call.press("1")
    clock.advance(seconds=20)
    call.press(ID_NUMBER + "#")
    clock.advance(seconds=10)
    call.press(ACCOUNT_PASSWORD + "#")
    clock.advance(seconds=30)
    response = call.post("/voice/status", call.params(CallStatus="completed", CallDuration="71"))
    assert response.status_code == 204
    # The end joined the steps in Redis; written out, it is written after them, on the row the first step opened.
    assert rows(app, calls, calls.c.call_sid) == []
    assert app.extensions["ivr.calllog"].flush() == 5
    steps = rows(app, call_steps, call_steps.c.id)
    assert [(s["kind"], s["node"], s["ended"]) for s in steps] == [
        ("start", "main", False),
        ("keys", "ask_id", False),
        ("keys", "ask_password", False),
        ("keys", "balance", False),
    ]
    assert [s["at"] for s in steps] == [utc(MONDAY_10AM + dt.timedelta(seconds=s)) for s in (0, 5, 25, 35)]
    [record] = rows(app, calls, calls.c.call_sid)
    assert (record["started"], record["outcome"], record["duration"], record["line"], record["identified"]) == (
        utc(MONDAY_10AM), "completed", 71, "beijing", True)
    assert app.extensions["ivr.store"].steps.pending() == 0


def test_the_operator_page_counts_steps_still_waiting_in_redis(app):
    stop_flushing(app)
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    call.press("1")
    client = app.test_client()
    assert client.get("/operator/calls.csv", headers=auth(PASSWORD)).status_code == 200
    assert [s["node"] for s in rows(app, call_steps, call_steps.c.id)] == ["main", "ask_id"]


def test_records_a_stopped_process_left_are_moved_by_the_next(database_url, redis_url, clock):  # noqa: F811
    first = make_app(database_url, redis_url, clock)
    stop_flushing(first)
    call = Phone(first.test_client(), TOKEN)
    call.dial()
    call.press("3")
    first.extensions["ivr.store"].close()
    second = make_app(database_url, redis_url, clock)
    try:
        # The new process looks for records left waiting at its start, and its flusher moves them within seconds.
        thread = second.extensions["ivr.calllog"].flusher._thread
        assert thread is not None
        thread.join(timeout=0.1)
        for _ in range(50):
            if second.extensions["ivr.store"].steps.pending() == 0:
                break
            thread.join(timeout=0.1)
        assert [s["node"] for s in rows(second, call_steps, call_steps.c.id)] == ["main", "rebate_where"]
    finally:
        second.extensions["ivr.store"].close()


def test_a_batch_that_fails_to_commit_stays_in_redis(app):
    stop_flushing(app)
    store = app.extensions["ivr.store"]
    call = Phone(app.test_client(), TOKEN)
    call.dial()

    def failing(batch):
        raise RuntimeError("the database went away mid-batch")

    with pytest.raises(RuntimeError):
        store.flush_steps(failing)
    assert store.steps.pending() == 1
    assert app.extensions["ivr.calllog"].flush() == 1
    assert [s["node"] for s in rows(app, call_steps, call_steps.c.id)] == ["main"]


def test_the_background_flusher_moves_the_records_without_being_asked(app):
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    call.press("3")
    thread = app.extensions["ivr.calllog"].flusher._thread
    for _ in range(50):
        if app.extensions["ivr.store"].steps.pending() == 0:
            break
        thread.join(timeout=0.1)
    assert [s["node"] for s in rows(app, call_steps, call_steps.c.id)] == ["main", "rebate_where"]


def test_one_batch_carries_the_transfer_and_the_rating_to_the_call(app, clock):
    stop_flushing(app)
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    clock.advance(seconds=4)
    call.press(SETTINGS.keys.agent)
    clock.advance(seconds=60)
    call.transfer_ends("completed")
    call.press("1")
    assert app.extensions["ivr.calllog"].flush() == 4
    [record] = rows(app, calls, calls.c.call_sid)
    assert record["transferred"] == utc(MONDAY_10AM + dt.timedelta(seconds=4))
    assert record["rating"] == NODES[SETTINGS.rating].options["1"]


def test_a_simulated_call_s_end_is_timed_from_its_first_step_when_written(app, clock):
    stop_flushing(app)
    call = Phone(app.test_client(), TOKEN)
    call.call_sid = "SIM" + call.call_sid[3:]
    call.dial()
    clock.advance(seconds=42)
    assert call.post("/voice/status", call.params(CallStatus="completed")).status_code == 204
    app.extensions["ivr.calllog"].flush()
    [record] = rows(app, calls, calls.c.call_sid)
    assert (record["simulated"], record["duration"], record["outcome"]) == (True, 42, "completed")


def test_a_garbled_record_is_dropped_and_the_rest_written(app):
    stop_flushing(app)
    store = app.extensions["ivr.store"]
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    store.buffer_record('{"finished": ["CA1"]}')
    store.buffer_record("not a record")
    call.press("3")
    assert app.extensions["ivr.calllog"].flush() == 4
    assert [s["node"] for s in rows(app, call_steps, call_steps.c.id)] == ["main", "rebate_where"]
