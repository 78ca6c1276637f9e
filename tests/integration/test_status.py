"""POST /voice/status records how each call ended and how long it lasted; every step's node is recorded too."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ivr.storage.schema import call_steps, calls
from tests.conftest import MONDAY_10AM


def rows(app, table, *order):
    with app.extensions["ivr.store"].sql.connect() as conn:
        return [dict(row) for row in conn.execute(select(table).order_by(*order)).mappings()]


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def finish(caller, **params):
    return caller.post("/voice/status", caller.params(**params))


def test_a_call_is_recorded_step_by_step_then_with_its_outcome(app, caller, clock):
    call = caller()
    call.dial()
    clock.advance(seconds=5)
    call.press("1")
    clock.advance(seconds=20)
    call.press("110101196106080024#")
    clock.advance(seconds=10)
    call.press("111111#")
    clock.advance(seconds=30)
    response = finish(call, CallStatus="completed", CallDuration="71")
    assert response.status_code == 204
    steps = rows(app, call_steps, call_steps.c.id)
    assert [(s["kind"], s["node"], s["ended"]) for s in steps] == [
        ("start", "main", False),
        ("keys", "ask_id", False),
        ("keys", "ask_password", False),
        ("keys", "balance", False),
    ]
    assert {s["call_sid"] for s in steps} == {call.call_sid}
    assert steps[-1]["at"] == utc(MONDAY_10AM + dt.timedelta(seconds=35))
    [record] = rows(app, calls, calls.c.call_sid)
    assert record == {
        "call_sid": call.call_sid,
        "started": utc(MONDAY_10AM),
        "finished": utc(MONDAY_10AM + dt.timedelta(seconds=65)),
        "outcome": "completed",
        "duration": 71,
        "line": "beijing",
        "simulated": False,
        "identified": True,
        "transferred": None,
        # The call never reached an agent, so it has no rating.
        "rating": None,
        "rated": None,
    }


def test_the_status_ends_the_call_state(app, caller):
    call = caller()
    call.dial()
    assert app.extensions["ivr.store"].load_call(call.call_sid) is not None
    finish(call, CallStatus="completed", CallDuration="3")
    # Only the fact that the call ended is kept, so that no replay of its requests can start it again.
    assert app.extensions["ivr.store"].load_call(call.call_sid) == {"ended": True}


@pytest.mark.parametrize("duration", ["", "-4", "3.5", "九", "9" * 40])
def test_a_strange_duration_is_stored_as_unknown(app, caller, duration):
    call = caller()
    call.dial()
    assert finish(call, CallStatus="no-answer", CallDuration=duration).status_code == 204
    [record] = rows(app, calls, calls.c.call_sid)
    assert (record["outcome"], record["duration"]) == ("no-answer", None)


@pytest.mark.parametrize("status", ["ringing", "in-progress", "queued", "", "exploded"])
def test_a_status_that_ends_nothing_records_nothing(app, caller, status):
    call = caller()
    call.dial()
    assert finish(call, CallStatus=status, CallDuration="5").status_code == 204
    [record] = rows(app, calls, calls.c.call_sid)
    assert (record["outcome"], record["finished"]) == (None, None)
    assert app.extensions["ivr.store"].load_call(call.call_sid) is not None


def test_the_status_of_a_call_never_seen_is_still_recorded(app, caller, clock):
    call = caller()
    assert finish(call, CallStatus="busy").status_code == 204
    [record] = rows(app, calls, calls.c.call_sid)
    assert record["outcome"] == "busy"
    assert record["started"] == record["finished"] == utc(clock.now)


def test_a_status_without_a_valid_call_sid_is_refused(app, caller):
    call = caller()
    assert finish(call, CallSid="not a sid!", CallStatus="completed").status_code == 400
    assert rows(app, calls, calls.c.call_sid) == []


def test_a_repeated_status_keeps_one_row(app, caller):
    call = caller()
    call.dial()
    finish(call, CallStatus="completed", CallDuration="8")
    finish(call, CallStatus="completed", CallDuration="8")
    assert len(rows(app, calls, calls.c.call_sid)) == 1
