"""Two hotline servers sharing PostgreSQL and Redis: a call may hop between them, and survive one of them dying."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from ivr.tools.phone import Answer, Phone, Request, Transport
from tests.conftest import TOKEN
from tests.prompts import MESSAGES, PAYMENTS
from tests.servers import ivr_servers
from tests.services import postgres_url, redis_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "http://hotline.test"
START_SECONDS = 60


class Servers(Transport):
    """Posts each request to the next server in turn (Twilio's requests landing on any replica behind a balancer)."""

    def __init__(self, ports: list[int]):
        self.ports = list(ports)
        self.turn = 0
        self.used: list[int] = []

    def send(self, request: Request) -> Answer:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        self.used.append(port)
        response = requests.post(f"http://127.0.0.1:{port}{request.path}", data=request.params, headers=request.headers,
                                 timeout=15)
        return Answer(response.status_code, response.text, response.headers.get("Content-Type", "").split(";")[0])


@pytest.fixture
def servers(tmp_path, postgres_url, redis_url):
    """Two `ivr serve` processes started at the same moment on a new database and a new Redis prefix."""
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url[0],
        "IVR_REDIS_PREFIX": redis_url[1],
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_PUBLIC_URL": PUBLIC,
        "IVR_LOAD_DEMO": "1",
    }
    with ivr_servers(tmp_path, env, start_seconds=START_SECONDS) as started:
        yield started


def caller(ports: list[int]) -> tuple[Phone, Servers]:
    route = Servers(ports)
    return Phone(route, TOKEN, base=PUBLIC), route


def test_one_call_alternates_between_the_servers_and_completes(servers):
    call, route = caller(list(servers))
    call.dial()
    call.press("1")
    call.press("110101196106080024#")
    call.press("111111#")
    assert "一千二百三十四元五角六分" in call.said
    call.press("9")
    call.press("2")
    assert PAYMENTS.total.format(years="二十五", months="九") in call.said
    assert call.post("/voice/status", call.params(CallStatus="completed", CallDuration="60")).status_code == 204
    assert set(route.used) == set(servers)
    assert route.used[::2] != route.used[1::2]


def test_a_lockout_made_through_one_server_is_enforced_by_the_other(servers):
    first, second = list(servers)
    call, _ = caller([first])
    call.dial()
    call.press("1")
    call.press("310104194809300043#")
    for _ in range(3):
        call.press("000000#")
    assert MESSAGES.locked in call.said
    other, route = caller([second])
    other.dial()
    other.press("1")
    other.press("310104194809300043#")
    assert MESSAGES.locked in other.said
    assert set(route.used) == {second}


def test_a_server_killed_mid_call_leaves_the_call_to_the_other(servers):
    first, second = list(servers)
    call, route = caller([first])
    call.dial()
    call.press("1")
    call.press("110108195404120012#")
    servers[first].kill()
    servers[first].wait(timeout=20)
    route.ports = [second]
    call.press("222222#")
    assert "一千零四元零六分" in call.said
    assert route.used == [first, first, first, second]
