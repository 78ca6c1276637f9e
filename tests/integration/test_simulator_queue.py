"""The simulator's queue: the wait URL with the caller's place from the record of who waits, the key that leaves,
and the button that acts as the agent, behind the page's session token like every simulator route."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_simulator_api import Browser, make_app
from tests.prompts import MESSAGES, NODES, READ, SETTINGS

SHENZHEN = "+8675512393"


@pytest.fixture
def app(tmp_path, clock):
    return make_app(tmp_path, clock)


def queued(app) -> tuple[Browser, dict]:
    browser = Browser(app.test_client())
    first = browser.call(to=SHENZHEN)
    answer = browser.press(first, "0")
    assert "<Enqueue" in answer["twiml"] and 'waitUrl="/simulator/queue/wait"' in answer["twiml"]
    return browser, answer


def post(browser: Browser, path: str, token: bool = True, **params):
    return browser.post(path, token=token, CallSid=browser.sid, To=SHENZHEN, From="+8613800138000", **params)


def said(twiml: str) -> list[str]:
    return re.findall(r"<Say[^>]*>(.*?)</Say>", twiml)


def test_the_wait_tells_the_place_from_the_record_of_who_waits(app, clock):
    first, _ = queued(app)
    clock.advance(seconds=20)
    second, _ = queued(app)
    assert said(post(first, "/simulator/queue/wait").json["twiml"])[0] == MESSAGES.queue_next
    behind = said(post(second, "/simulator/queue/wait").json["twiml"])
    assert behind[0] == MESSAGES.queue_ahead.format(ahead=READ.count(1))


def test_the_leave_key_answers_leave_and_another_key_the_wait_again(app):
    browser, _ = queued(app)
    assert "<Leave" in post(browser, "/simulator/queue/key", Digits=SETTINGS.queue.leave_key).json["twiml"]
    assert "/simulator/queue/wait</Redirect>" in post(browser, "/simulator/queue/key", Digits="7").json["twiml"]


def test_acting_as_the_agent_takes_the_caller_out_of_the_wait(app):
    browser, answer = queued(app)
    assert said(post(browser, "/simulator/queue/take").json["twiml"]) == [MESSAGES.queue_answered]
    assert app.extensions["ivr.store"].queue_callers.waits(browser.sid) is None
    action = re.search(r'<Enqueue action="([^"]+)"', answer["twiml"]).group(1).replace("&amp;", "&")
    ended = post(browser, action, QueueResult="bridged", QueueSid="QU" + "0" * 32, QueueTime="0")
    assert said(ended.json["twiml"]) == [NODES[SETTINGS.rating].prompt]


@pytest.mark.parametrize("path", ["/simulator/queue/wait", "/simulator/queue/key", "/simulator/queue/take"])
def test_the_queue_routes_need_the_page_token_and_a_call_of_this_session(app, path):
    browser, _ = queued(app)
    assert post(browser, path, token=False).status_code == 403
    stranger = Browser(app.test_client())
    stranger.sid = browser.sid
    assert post(stranger, path).status_code == 403
