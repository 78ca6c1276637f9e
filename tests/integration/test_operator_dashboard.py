"""The operator dashboard after scripted calls: charts and totals, the funnel, transfers, wrong keys and time-outs by
node, a chosen line, simulator calls left out unless asked for, and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from ivr import create_app
from ivr.storage.schema import calls, password_guards
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.integration.test_operator import PASSWORD, auth, cells, figure, page
from tests.integration.test_simulator_api import Browser
from tests.prompts import MESSAGES
from tests.services import postgres_url  # noqa: F401  (fixture)

BEIJING, SHENZHEN = "+861012393", "+8675512393"


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, clock):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    app = create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "CLOCK": clock,
        "IVR_OPERATOR_PASSWORD": PASSWORD,
        "IVR_SIMULATOR": "1",
    })
    yield app
    app.extensions["ivr.store"].close()


def ended(call: Phone, seconds: int) -> None:
    assert call.post("/voice/status", call.params(CallStatus="completed", CallDuration=str(seconds))).status_code == 204


@pytest.fixture
def scripted(app, clock):
    """Monday 10:00 in Beijing: a caller hears the balance; one keys a wrong key, waits once, then asks for an agent;
    one calls Shenzhen and hangs up; and a tester calls from the simulator."""
    client = app.test_client()
    balance = Phone(client, TOKEN, to=BEIJING)
    balance.dial()
    clock.advance(seconds=5)
    balance.press("1")
    balance.press("110101196106080024")
    balance.press("111111")
    assert "一千二百三十四元五角六分" in balance.said
    ended(balance, 40)

    agent = Phone(client, TOKEN, to=BEIJING)
    agent.dial()
    agent.press("5")
    agent.silence()
    clock.advance(seconds=12)
    agent.press("0")
    assert agent.dialled
    ended(agent, 90)

    shenzhen = Phone(client, TOKEN, to=SHENZHEN)
    shenzhen.dial()
    ended(shenzhen, 8)

    tester = Browser(app.test_client())
    tester.press(tester.call(), "3")
    assert tester.post("/simulator/status", CallSid=tester.sid, CallStatus="completed").status_code == 204
    return tester.sid


def bar(html: str, chart: str, label: str) -> int:
    svg = re.search(rf'<svg[^>]* id="{chart}".*?</svg>', html, re.DOTALL).group(0)
    return int(re.search(rf'data-label="{re.escape(label)}" data-count="(\d+)"', svg).group(1))


def chart_total(html: str, chart: str) -> int:
    return int(re.search(rf'<svg[^>]* id="{chart}"[^>]* data-total="(\d+)"', html).group(1))


def step(html: str, name: str) -> str:
    return re.search(rf'<tr data-step="{name}"><td>[^<]*</td><td>(\d+)</td>', html).group(1)


def test_the_charts_and_the_funnel_count_the_real_calls(client, scripted):
    html = page(client)
    assert figure(html, "calls") == "3"
    assert chart_total(html, "chart-days") == 3
    assert bar(html, "chart-days", "11-23") == 3
    assert chart_total(html, "chart-hours") == 3
    assert bar(html, "chart-hours", "10") == 3
    assert bar(html, "chart-funnel", "来电") == 3
    assert [step(html, name) for name in ("called", "identified", "answered", "agent")] == ["3", "1", "1", "1"]
    assert figure(html, "transferred") == "1"
    # Seconds from the start of the call to the agent, in the operators' words.
    assert cells(html, "answers", "agent") == ["转人工", "1", "12 秒", "12 秒", "12 秒"]


def test_wrong_keys_and_time_outs_are_counted_where_they_happened(client, scripted):
    html = page(client)
    assert cells(html, "misses", "main") == ["主菜单", "1", "1"]
    assert "rebate_where" not in re.search(r'<table id="misses">(.*?)</table>', html, re.DOTALL).group(1)


def test_a_line_is_counted_alone_when_chosen(client, scripted):
    assert re.findall(r'<tr data-line="(\w+)"><td>.*?</td><td>(\d+)</td>', page(client)) == [
        ("beijing", "2"), ("shenzhen", "1")]
    assert figure(page(client, "?line=shenzhen"), "calls") == "1"
    assert figure(page(client, "?line=beijing"), "calls") == "2"
    # A line that does not exist counts every line, as no choice does.
    assert figure(page(client, "?line=atlantis"), "calls") == "3"


def test_simulator_calls_are_tagged_left_out_and_counted_when_asked_for(app, client, scripted):
    with app.extensions["ivr.store"].sql.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_sid == scripted)).mappings().one()
    assert (row["simulated"], row["outcome"], row["line"]) == (True, "completed", "beijing")
    assert row["duration"] is not None
    html = page(client, "?simulated=1")
    assert figure(html, "calls") == "4"
    assert step(html, "answered") == "1"
    assert "含模拟器的测试来电" in html


def test_the_export_lists_the_chosen_calls(client, scripted):
    response = client.get("/operator/calls.csv?days=7", headers=auth(PASSWORD))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3
    assert {row["line"] for row in rows} == {"beijing", "shenzhen"}
    assert [row["identified"] for row in rows] == ["1", "0", "0"]
    assert rows[0]["last_node_title"] == "账户余额"
    assert rows[1]["transferred"].startswith("2026-11-23T02:00:17")
    everything = client.get("/operator/calls.csv?simulated=1", headers=auth(PASSWORD)).get_data(as_text=True)
    assert everything.count("\n") == 5 and scripted in everything
    assert client.get("/operator/calls.csv").status_code == 401


def test_a_simulator_call_at_night_reaches_the_out_of_hours_answer(app):
    tester = Browser(app.test_client())
    response = tester.post("/simulator/call", To=BEIJING, From="+8613800138000", At="2026-11-23T22:30")
    assert response.status_code == 200
    tester.sid = response.json["call_sid"]
    answer = tester.press(response.json, "0")
    assert MESSAGES.agent_closed.split("{")[0] in answer["twiml"]
    assert "<Dial" not in answer["twiml"]
    # The real caller at the same moment (10:00 on a Monday) is put through: the set clock was the tester's call's own.
    real = Phone(app.test_client(), TOKEN, to=BEIJING)
    real.dial()
    real.press("0")
    assert real.dialled


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01T10:00", "1900-01-01T00:00", "x" * 300])
def test_a_strange_call_time_is_refused_without_an_error(app, at):
    tester = Browser(app.test_client())
    response = tester.post("/simulator/call", To=BEIJING, From="+8613800138000", At=at)
    assert response.status_code == 400


def test_a_wrong_password_in_a_call_with_a_set_clock_is_counted_at_the_real_time(app, clock):
    tester = Browser(app.test_client())
    response = tester.post("/simulator/call", To=BEIJING, From="+8613800138000", At="2027-06-01T22:00")
    tester.sid = response.json["call_sid"]
    answer = tester.press(tester.press(tester.press(response.json, "1"), "110101196106080024"), "000000")
    assert answer["node"] == "ask_password"
    with app.extensions["ivr.store"].sql.connect() as conn:
        since = {row.since for row in conn.execute(select(password_guards))}
    # Locks and counters of real callers never move to a tester's chosen time.
    assert since == {clock().astimezone(dt.UTC).replace(tzinfo=None)}
