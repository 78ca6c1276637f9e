"""The rating after the agent, through signed webhooks with Twilio's Dial action parameters: asked once the agent
leg ends (DialCallStatus=completed), once more after a silence, stored with the call and charted on /operator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ivr import create_app
from ivr.storage.schema import calls
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.integration.test_operator import PASSWORD, auth
from tests.integration.test_replays import Recorder
from tests.prompts import MESSAGES, NODES, SETTINGS
from tests.services import postgres_url  # noqa: F401  (fixture)

RATING = NODES[SETTINGS.rating]


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, clock):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": url, "CLOCK": clock,
                      "IVR_OPERATOR_PASSWORD": PASSWORD, "REDIS_URL": ""})
    yield app
    app.extensions["ivr.store"].close()


def after_the_agent(client) -> Recorder:
    phone = Recorder(client, TOKEN)
    phone.dial()
    phone.press(SETTINGS.keys.agent)
    assert phone.ended == "agent"
    phone.transfer_ends("completed")
    return phone


def rating_of(app, phone: Phone) -> str | None:
    with app.extensions["ivr.store"].sql.connect() as conn:
        return conn.execute(select(calls.c.rating).where(calls.c.call_sid == phone.call_sid)).scalar_one()


@pytest.mark.parametrize("key", ["1", "2", "3"])
def test_the_rating_key_is_stored_with_the_call(app, client, key):
    phone = after_the_agent(client)
    assert RATING.prompt in phone.said
    phone.press(key)
    assert MESSAGES.rating_thanks in phone.said and phone.hung_up
    assert rating_of(app, phone) == RATING.options[key]


def test_silence_asks_once_more_then_ends_without_a_rating(app, client):
    phone = after_the_agent(client)
    phone.silence()
    assert RATING.noinput[0] in phone.said and RATING.prompt in phone.said
    phone.silence()
    assert phone.hung_up and MESSAGES.rating_thanks not in phone.said
    assert rating_of(app, phone) is None


def test_an_unanswered_agent_is_not_rated(app, client):
    phone = Phone(client, TOKEN)
    phone.dial()
    phone.press(SETTINGS.keys.agent)
    phone.transfer_ends("no-answer")
    assert RATING.prompt not in phone.said and NODES[SETTINGS.agent_busy].prompt in phone.said


def test_a_replayed_altered_or_unsigned_rating_changes_nothing(app, client):
    phone = after_the_agent(client)
    phone.press("1")
    url, params = phone.sent[-1]
    assert phone.post(url, {**params, "Digits": "3"}, signature="").status_code == 403
    # Twilio's retry of the same request hears the same thanks; another key for the ended call a goodbye; no 500.
    status, (_, heard) = phone.replay(url, params)
    assert status == 200 and MESSAGES.rating_thanks in "".join(heard)
    status, (_, heard) = phone.replay(url, {**params, "Digits": "3"})
    assert status == 200 and MESSAGES.rating_thanks not in "".join(heard)
    assert rating_of(app, phone) == RATING.options["1"]


def test_the_operator_page_charts_the_ratings(app, client):
    for key in ("1", "1", "3"):
        after_the_agent(client).press(key)
    html = client.get("/operator", headers=auth(PASSWORD)).get_data(as_text=True)
    assert re.search(r'id="rated">3<', html)
    chart = re.search(r'<svg id="ratings-chart".*?</svg>', html, re.DOTALL).group(0)
    bars = dict(re.findall(r'<g data-rating="(\w+)">.*?width="([0-9.]+)"', chart, re.DOTALL))
    assert float(bars["satisfied"]) == pytest.approx(2 * float(bars["dissatisfied"]), abs=0.2)
    assert float(bars["fairly_satisfied"]) == 0
