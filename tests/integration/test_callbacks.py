"""Callers' requests to be called back: listed on the operator page with a "done" button behind the password and the
form token, listed and marked done by `ivr callbacks`, and kept in the database whatever process stops."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from ivr import create_app
from ivr.cli import main
from tests.conftest import BEIJING, TOKEN
from tests.integration.test_operator import PASSWORD, auth
from tests.integration.test_operator_versions import rows, token
from tests.services import postgres_url  # noqa: F401  (fixture)

NIGHT = dt.datetime(2026, 11, 23, 22, 0, tzinfo=BEIJING)
NUMBER = "+8613812345678"


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'ivr.sqlite'}"


@pytest.fixture
def app(database, clock, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database)
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": database, "CLOCK": clock,
                      "IVR_OPERATOR_PASSWORD": PASSWORD})
    yield app
    app.extensions["ivr.store"].close()


@pytest.fixture
def asked(app, clock):
    """A caller outside agent hours on the Beijing line who asked, from the ID prompt, to be called back."""
    from ivr.tools.phone import Phone

    clock.now = NIGHT
    call = Phone(app.test_client(), TOKEN, from_=NUMBER)
    call.dial()
    call.press("1")
    call.press("0")
    call.press("1")
    [callback] = app.extensions["ivr.store"].callbacks.open()
    return callback


def test_the_operator_page_lists_open_call_backs(app, asked):
    html = app.test_client().get("/operator", headers=auth(PASSWORD)).get_data(as_text=True)
    [row] = rows(html, "callbacks")
    assert row[:6] == [str(asked.id), "2026-11-23 22:00", NUMBER, "beijing", "ask_id", "2026-11-24 08:00 以后"]


def test_done_needs_the_password_and_the_form_token_then_leaves_the_list(app, asked):
    client = app.test_client()
    form = client.get("/operator", headers=auth(PASSWORD)).get_data(as_text=True)
    path = f"/operator/callbacks/{asked.id}/done"
    assert client.post(path, data={"csrf_token": token(form)}).status_code == 401
    assert client.post(path, headers=auth(PASSWORD)).status_code == 400
    done = client.post(path, data={"csrf_token": token(form)}, headers=auth(PASSWORD))
    assert done.status_code == 303 and done.headers["Location"].endswith("/operator#callbacks")
    html = client.get("/operator", headers=auth(PASSWORD)).get_data(as_text=True)
    assert f'data-callback="{asked.id}"' not in html and "没有待回电的登记" in html
    # Done once: a second post, or one for a request that never was, finds nothing to do.
    assert client.post(path, data={"csrf_token": token(form)}, headers=auth(PASSWORD)).status_code == 404
    assert client.post("/operator/callbacks/999/done", data={"csrf_token": token(form)},
                       headers=auth(PASSWORD)).status_code == 404


def test_the_command_lists_and_marks_done(app, asked):
    listed = CliRunner().invoke(main, ["callbacks"])
    assert listed.exit_code == 0, listed.output
    assert re.search(rf"^{asked.id}\t2026-11-23 22:00\t\{NUMBER}\tbeijing\task_id\tdue 2026-11-24 08:00$", listed.output, re.MULTILINE)
    assert "1 open call backs" in listed.output
    assert CliRunner().invoke(main, ["callbacks", "--done", str(asked.id)]).exit_code == 0
    assert CliRunner().invoke(main, ["callbacks", "--done", str(asked.id)]).exit_code == 1
    assert "0 open call backs" in CliRunner().invoke(main, ["callbacks"]).output


def test_a_request_outlives_the_process_that_kept_it(app, asked, database, clock):
    app.extensions["ivr.store"].close()
    again = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": database, "CLOCK": clock})
    try:
        assert [c.id for c in again.extensions["ivr.store"].callbacks.open()] == [asked.id]
    finally:
        again.extensions["ivr.store"].close()


def test_the_log_masks_the_calling_number(app, clock, caplog):
    from ivr.tools.phone import Phone

    clock.now = NIGHT
    call = Phone(app.test_client(), TOKEN, from_=NUMBER)
    call.dial()
    call.press("0")
    with caplog.at_level("INFO", logger="ivr.store"):
        call.press("1")
    assert "call back" in caplog.text and NUMBER not in caplog.text and NUMBER[-4:] in caplog.text
