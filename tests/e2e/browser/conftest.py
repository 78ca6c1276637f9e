"""The app as a real server process, and Debian's Chromium driven by Playwright, for the simulator's browser tests."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def serving(folder: Path, **settings: str):
    """`ivr serve` on a free port with a fresh SQLite database in `folder`; yields its base URL."""
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
def server(tmp_path_factory):
    """`ivr serve` on a free port with a fresh SQLite database; yields its base URL."""
    with serving(tmp_path_factory.mktemp("server")) as base:
        yield base


OPERATOR_PASSWORD = "operator-dashboard-test"


@pytest.fixture(scope="module")
def operator_server(tmp_path_factory):
    """`ivr serve` with the operator page on (IVR_OPERATOR_PASSWORD); yields its base URL."""
    with serving(tmp_path_factory.mktemp("operator"), IVR_OPERATOR_PASSWORD=OPERATOR_PASSWORD) as base:
        yield base


# axe-core, installed from the npm registry by `npm ci --prefix tests/e2e/browser` (.ci/run does it).
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules and best practice)."""
    if not AXE.exists():
        absent(f"axe-core at {AXE} (npm ci --prefix tests/e2e/browser)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": found["id"], "impact": found["impact"], "help": found["help"],
         "nodes": [node["target"] for node in found["nodes"]][:5]}
        for found in result["violations"] if found["impact"] in ("serious", "critical")
    ]


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
