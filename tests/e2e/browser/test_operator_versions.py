"""The operator page's versions in Chromium: an operator reads a version's changes and rolls back to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from playwright.sync_api import expect

from tests.e2e.browser.conftest import wait_until_answering
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "operator-browser-test"
GREETING = yaml.safe_load((ROOT / "prompts" / "menus.yaml").read_text(encoding="utf-8"))["nodes"]["main"]["greeting"]
NEW_GREETING = "您好，这里是医保服务热线。"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """`ivr serve` on copies of prompts/ and data/, with the operator password; the first start published version 1,
    and `ivr publish` a warmer greeting as version 2. Yields the base URL, the folder and the environment."""
    folder: Path = tmp_path_factory.mktemp("operator")
    shutil.copytree(ROOT / "prompts", folder / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", folder / "data")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'ivr.sqlite'}", TWILIO_AUTH_TOKEN="browser-test-token",
               IVR_PROMPTS=str(folder / "prompts"), IVR_DATA=str(folder / "data"), IVR_OPERATOR_PASSWORD=PASSWORD,
               IVR_PUBLISH_SAVES="0", IVR_SIMULATOR="1", IVR_SIMULATOR_PASSWORD="", USER="operator-a")
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-c", "from ivr.cli import main; main()", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/simulator", process)
        menus = folder / "prompts" / "menus.yaml"
        menus.write_text(menus.read_text(encoding="utf-8").replace(GREETING, NEW_GREETING), encoding="utf-8")
        ivr(env, "publish", "-m", "a warmer greeting")
        serving(base, 2)
        yield SimpleNamespace(url=base, folder=folder, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def serving(base: str, number: int) -> None:
    """Wait until the server serves version `number` (its watcher looks every IVR_RELOAD_SECONDS)."""
    deadline = time.monotonic() + 15
    while f"正在服务的版本（第 {number} 版）" not in urllib.request.urlopen(base + "/simulator").read().decode():
        assert time.monotonic() < deadline, f"the server did not take up version {number}"
        time.sleep(0.2)


def ivr(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-c", "from ivr.cli import main; main()", *args], env=env, check=True,
                   capture_output=True)


@pytest.fixture
def operator(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  http_credentials={"username": "li", "password": PASSWORD})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_an_operator_reads_a_change_and_rolls_back_from_the_page(operator, published):
    published = published.url
    operator.goto(published + "/operator")
    versions = operator.locator("#versions tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("a warmer greeting")
    expect(versions.first).to_contain_text("operator-a")

    operator.click("#versions tr[data-number='2'] a")
    expect(operator.locator("#diff .removed")).to_contain_text(GREETING)
    expect(operator.locator("#diff .added")).to_contain_text(NEW_GREETING)
    # The version in service offers no rollback to itself.
    expect(operator.locator("#rollback")).to_have_count(0)

    operator.goto(published + "/operator/versions/1")
    operator.fill("input[name='message']", "问候语改回去")
    operator.click("#rollback")
    expect(operator.locator("#outcome")).to_have_text("已回滚到第 1 版")
    operator.click("text=返回版本列表")
    expect(operator.locator("#versions tbody tr").first).to_contain_text("问候语改回去")
    expect(operator.locator("#versions tbody tr").first).to_contain_text("3（正在服务）")
    expect(operator.locator("#log tbody tr").first).to_contain_text("li (operator page)")
    expect(operator.locator("#log tbody tr").first).to_contain_text("回滚到第 1 版")
