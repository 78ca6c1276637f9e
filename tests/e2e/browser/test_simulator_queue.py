"""The agents' queue in the simulator: the caller's place while waiting, the key that leaves for a call back, and the
page's user acting as the agent who takes the call."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import serving
from tests.e2e.browser.test_simulator import Phone
from tests.prompts import MAIN, MESSAGES, SETTINGS

ROOT = Path(__file__).resolve().parents[3]
SHENZHEN = "+8675512393"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server with the Shenzhen line's agents answering around the clock, so that its queue can be joined at any
    hour the tests run."""
    folder = tmp_path_factory.mktemp("queue_server")
    shutil.copytree(ROOT / "data", folder / "data")
    lines = folder / "data" / "lines.yaml"
    text = lines.read_text(encoding="utf-8")
    daily = '''      hours:
        - {days: daily, start: "09:00", end: "18:00"}
'''
    assert text.count(daily) == 1
    lines.write_text(text.replace(daily, "      hours: always\n"), encoding="utf-8")
    with serving(folder, IVR_DATA=str(folder / "data")) as base:
        yield base


@pytest.fixture
def phone(page) -> Phone:
    return Phone(page)


def test_the_caller_hears_their_place_and_the_agent_takes_the_call(phone, page):
    phone.call(SHENZHEN)
    phone.hears(MAIN.greeting)
    phone.tap("0")
    phone.hears(MESSAGES.agent_connecting)
    expect(page.locator("#queue-panel")).to_be_visible()
    phone.hears(MESSAGES.queue_next)
    phone.hears(MESSAGES.queue_leave)
    page.click("#queue-take")
    phone.hears(MESSAGES.queue_answered)
    page.click("#queue-end")
    phone.hears(MESSAGES.agent_after_call)
    expect(page.locator("#queue-panel")).to_be_hidden()
    expect(page.locator("#call-status")).to_have_text("通话已结束")


def test_the_leave_key_while_waiting_asks_for_a_call_back(phone, page):
    phone.call(SHENZHEN)
    phone.hears(MAIN.greeting)
    phone.tap("0")
    phone.hears(MESSAGES.queue_leave)
    phone.tap(SETTINGS.queue.leave_key)
    phone.hears(MESSAGES.callback_soon)
    phone.hears(MAIN.short)
    expect(page.locator("#queue-panel")).to_be_hidden()
