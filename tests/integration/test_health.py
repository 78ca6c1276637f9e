"""/healthz, and a caller's experience while PostgreSQL or Redis is down and after it comes back."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from ivr import create_app
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.services import postgres_url, redis_url  # noqa: F401  (fixtures)
from tests.tcpproxy import TcpProxy

BEIJING_AGENT = "+861065550100"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_app(clock, database: str, redis: str = "", prefix: str = "ivr:"):
    return create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": database, "REDIS_URL": redis,
                       "IVR_REDIS_PREFIX": prefix, "CLOCK": clock})


def messages(app):
    return app.extensions["ivr.versions"]().script.messages


def said_prompt(app, node: str) -> str:
    """The fixed opening of a node's prompt (before any placeholder)."""
    return app.extensions["ivr.versions"]().script.nodes[node].prompt.split("{")[0]


def through(proxy: TcpProxy, url: str) -> str:
    """The same URL with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    return parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host).geturl()


def target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def test_healthy_with_sqlite_alone(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.fixture
def app_without_redis(tmp_path, clock):
    app = make_app(clock, f"sqlite:///{tmp_path / 'ivr.sqlite'}", f"redis://127.0.0.1:{closed_port()}/0")
    yield app
    app.extensions["ivr.store"].close()


def test_an_unreachable_redis_turns_health_red_and_names_it(app_without_redis):
    response = app_without_redis.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "database": "ok", "redis": "unreachable"}


def test_during_an_outage_the_caller_hears_an_apology_and_reaches_the_agent(app_without_redis):
    call = Phone(app_without_redis.test_client(), TOKEN)
    assert call.dial() == [messages(app_without_redis).outage]
    assert call.gather["numDigits"] == "1"
    call.press("0")
    assert call.dialled == BEIJING_AGENT
    assert call.last_status == 200


def test_during_an_outage_other_keys_try_again_and_silence_says_goodbye(app_without_redis):
    call = Phone(app_without_redis.test_client(), TOKEN)
    call.dial()
    assert call.press("1") == [messages(app_without_redis).outage]
    assert call.silence() == [messages(app_without_redis).goodbye]
    assert call.hung_up


def test_the_status_callback_during_an_outage_is_not_an_error(app_without_redis):
    call = Phone(app_without_redis.test_client(), TOKEN)
    assert call.post("/voice/status", call.params(CallStatus="completed")).status_code == 204


def test_postgres_and_redis_go_down_mid_call_and_come_back_without_a_restart(clock, postgres_url, redis_url):
    database = TcpProxy(*target(postgres_url)).start()
    cache = TcpProxy(*target(redis_url[0])).start()
    app = make_app(clock, through(database, postgres_url), through(cache, redis_url[0]), redis_url[1])
    try:
        client = app.test_client()
        assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
        call = Phone(client, TOKEN)
        call.dial()
        call.press("1")
        assert call.gather["action"].endswith("seq=1")

        database.stop()
        cache.stop()
        assert call.press("110101196106080024#") == [messages(app).outage]
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "failing", "database": "unreachable", "redis": "unreachable"}

        database.start()
        cache.start()
        assert client.get("/healthz").status_code == 200
        # The caller's place was kept: another key reads the ID prompt again, and the call goes on to the balance.
        call.press("5")
        assert said_prompt(app, "ask_id") in call.said
        assert messages(app).outage not in call.said
        call.press("110101196106080024#")
        call.press("111111#")
        assert "一千二百三十四元五角六分" in call.said

        fresh = Phone(client, TOKEN)
        fresh.dial()
        fresh.press("1")
        fresh.press("110108195404120012#")
        fresh.press("222222#")
        assert "一千零四元零六分" in fresh.said
    finally:
        app.extensions["ivr.store"].close()
        database.stop()
        cache.stop()


def test_redis_alone_goes_down_and_comes_back(tmp_path, clock, redis_url):
    cache = TcpProxy(*target(redis_url[0])).start()
    app = make_app(clock, f"sqlite:///{tmp_path / 'ivr.sqlite'}", through(cache, redis_url[0]), redis_url[1])
    try:
        client = app.test_client()
        call = Phone(client, TOKEN)
        call.dial()
        cache.stop()
        assert call.press("3") == [messages(app).outage]
        assert client.get("/healthz").get_json() == {"status": "failing", "database": "ok", "redis": "unreachable"}
        cache.start()
        call.press("3")
        assert said_prompt(app, "main") in call.said
        call.press("3")
        assert said_prompt(app, "rebate_where") in call.said
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["ivr.store"].close()
        cache.stop()


def test_postgres_going_down_in_the_middle_of_a_step_offers_the_agent(clock, postgres_url):
    """The step's connection was good when the step read the call's state and is gone when it writes it."""
    database = TcpProxy(*target(postgres_url)).start()
    app = make_app(clock, through(database, postgres_url))
    store = app.extensions["ivr.store"]
    load_call = store.load_call

    def load_then_lose_the_database(call_sid):
        state = load_call(call_sid)
        database.stop()
        return state

    try:
        call = Phone(app.test_client(), TOKEN)
        call.dial()
        store.load_call = load_then_lose_the_database
        assert call.press("1") == [messages(app).outage]
        store.load_call = load_call
        database.start()
        # The state of the failed step was never written, so the caller goes on from the main menu.
        call.press("5")
        call.press("1")
        assert said_prompt(app, "ask_id") in call.said
    finally:
        store.close()
        database.stop()
