"""The app as a real server process, and Debian's Chromium driven by Playwright, for the simulator's browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.servers import free_port
from tests.services import absent

# Playwright's own browser download does not work everywhere, so the system's Chromium is used.
CHROMIUM = os.environ.get("IVR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 30


def wait_until_answering(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {SERVER_START_SECONDS} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`ivr serve` on a free port with a fresh SQLite database; yields its base URL."""
    yield from serving(tmp_path_factory.mktemp("server"))


def serving(folder: Path, **settings: str):
    """Run `ivr serve` with a fresh SQLite database in `folder` and these settings; yield its base URL, then stop it."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{folder / 'ivr.sqlite'}",
        TWILIO_AUTH_TOKEN="browser-test-token",
        IVR_SIMULATOR="1",
        IVR_SIMULATOR_PASSWORD="",
        **settings,
    )
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from ivr.cli import main; main()", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/simulator", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        # As with PostgreSQL and Redis: a developer's machine says what is missing, CI fails.
        absent(f"Chromium at {CHROMIUM} (apt-get install chromium, or set IVR_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser session (its own cookies) on the simulator page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    yield page
    context.close()
