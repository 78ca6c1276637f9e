"""The outage apology outside agent hours: no agent is promised, and no key leads round the apology for ever."""

from __future__ import annotations

import datetime as dt

import pytest

from ivr.tools.phone import Phone
from tests.conftest import BEIJING, TOKEN, Clock
from tests.integration.test_health import (
    closed_port,
    make_app,
    messages,
    said_prompt,
    target,
    through,
)
from tests.services import redis_url  # noqa: F401  (fixture)
from tests.tcpproxy import TcpProxy

# A Sunday night: the Beijing line's agents work weekdays only.
SUNDAY_NIGHT = dt.datetime(2026, 11, 22, 22, 0, tzinfo=BEIJING)


@pytest.fixture
def night_without_redis(tmp_path):
    app = make_app(Clock(SUNDAY_NIGHT), f"sqlite:///{tmp_path / 'ivr.sqlite'}", f"redis://127.0.0.1:{closed_port()}/0")
    yield app
    app.extensions["ivr.store"].close()


def agent_key(app) -> str:
    return app.extensions["ivr.versions"]().script.settings.keys.agent


def test_outside_agent_hours_the_apology_offers_no_agent(night_without_redis):
    app = night_without_redis
    call = Phone(app.test_client(), TOKEN)
    assert call.dial() == [messages(app).outage_closed]
    assert f"按{agent_key(app)}" not in call.said and messages(app).outage not in call.said


def test_outside_agent_hours_the_agent_key_tries_again_and_silence_ends_the_call(night_without_redis):
    app = night_without_redis
    call = Phone(app.test_client(), TOKEN)
    call.dial()
    for _ in range(3):
        assert call.press(agent_key(app)) == [messages(app).outage_closed]
        assert call.dialled is None
    assert call.silence() == [messages(app).goodbye]
    assert call.hung_up


def test_outside_agent_hours_any_key_after_redis_is_back_returns_the_caller_to_their_place(tmp_path, redis_url):
    cache = TcpProxy(*target(redis_url[0])).start()
    app = make_app(Clock(SUNDAY_NIGHT), f"sqlite:///{tmp_path / 'ivr.sqlite'}", through(cache, redis_url[0]), redis_url[1])
    try:
        call = Phone(app.test_client(), TOKEN)
        call.dial()
        call.press("3")
        cache.stop()
        assert call.press("1") == [messages(app).outage_closed]
        assert call.press(agent_key(app)) == [messages(app).outage_closed]
        cache.start()
        call.press(agent_key(app))
        assert said_prompt(app, "rebate_where") in call.said
        call.press("1")
        assert "北京" in call.said and call.gather is not None
    finally:
        app.extensions["ivr.store"].close()
        cache.stop()
