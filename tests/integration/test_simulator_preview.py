"""The simulator previews: a session calls the draft on disk or any published version, each call stays on it, callers
keep the version in service, and an open page can ask which version is served to tell of a new publish."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ivr import create_app
from ivr.tools.phone import Phone
from ivr.tools.publish import publish
from tests.conftest import TOKEN
from tests.integration.test_simulator_api import Browser

ROOT = Path(__file__).resolve().parents[2]
GREETING = yaml.safe_load((ROOT / "prompts" / "menus.yaml").read_text(encoding="utf-8"))["nodes"]["main"]["greeting"]
DRAFT_GREETING = "您好，这里是医保服务热线的草稿。"


@pytest.fixture
def files(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


@pytest.fixture
def app(files, clock):
    """A server that publishes no saves (as in production): the files on disk are a draft until published."""
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CLOCK": clock,
                      "DATABASE_URL": f"sqlite:///{files / 'ivr.sqlite'}", "IVR_PROMPTS": str(files / "prompts"),
                      "IVR_DATA": str(files / "data"), "IVR_RELOAD_SECONDS": "0", "IVR_PUBLISH_SAVES": "0"})
    yield app
    app.extensions["ivr.store"].close()


def write_draft(files: Path, old: str, new: str) -> None:
    menus = files / "prompts" / "menus.yaml"
    menus.write_text(menus.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def choose(browser: Browser, version: str, status: int = 200) -> dict:
    response = browser.post("/simulator/preview", version=version)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def heard_by_a_caller(app) -> str:
    return "".join(Phone(app.test_client(), TOKEN).dial())


def test_the_draft_is_called_from_the_simulator_while_callers_keep_the_version_in_service(app, files):
    browser = Browser(app.test_client())
    write_draft(files, GREETING, DRAFT_GREETING)
    write_draft(files, 'label: 余额}', 'label: 查询余额}')
    assert choose(browser, "draft") == {"chosen": "draft", "serving": 1, "version": app.extensions["ivr.versions"]().version}
    answer = browser.call()
    assert DRAFT_GREETING in answer["twiml"]
    # The call's next step stays on the draft; a caller meanwhile hears the version in service.
    assert heard_by_a_caller(app).count(GREETING) == 1 and DRAFT_GREETING not in heard_by_a_caller(app)
    assert "查询余额按1" in browser.press(answer, "*")["twiml"]
    assert app.extensions["ivr.versions"].status()["number"] == 1

    # The version in service again, by choosing nothing.
    assert choose(browser, "")["chosen"] is None
    assert GREETING in browser.call()["twiml"]


def test_any_published_version_can_be_called(app, files):
    versions = app.extensions["ivr.versions"]
    write_draft(files, GREETING, DRAFT_GREETING)
    assert publish(versions.published, files / "prompts", files / "data", None, "王芳", "a draft greeting", print) == 0
    versions.refresh()
    assert versions.status()["number"] == 2
    browser = Browser(app.test_client())
    assert choose(browser, "1")["chosen"] == 1
    assert GREETING in browser.call()["twiml"]
    assert choose(browser, "2")["chosen"] == 2
    assert DRAFT_GREETING in browser.call()["twiml"]
    assert choose(browser, "7", status=409)["chosen"] is None
    assert DRAFT_GREETING in browser.call()["twiml"]


def test_a_draft_that_fails_its_checks_is_refused_with_its_lines_and_never_called(app, files):
    browser = Browser(app.test_client())
    write_draft(files, '"2": {go: payments,', '"2": {go: paymnets,')
    refused = choose(browser, "draft", status=409)
    assert refused["chosen"] is None and any("menus.yaml:" in line and "paymnets" in line for line in refused["problems"])
    # Chosen before it broke: the call is refused rather than run on another version.
    write_draft(files, '"2": {go: paymnets,', '"2": {go: payments,')
    choose(browser, "draft")
    write_draft(files, '"2": {go: payments,', '"2": {go: paymnets,')
    assert browser.post("/simulator/call", To="+861012393", From="+8613800138000").status_code == 409


def test_the_page_marks_the_version_chosen_and_asks_which_one_is_served(app, files):
    browser = Browser(app.test_client())
    html = browser.client.get("/simulator").get_data(as_text=True)
    assert 'data-mode="serving"' in html and "正在服务的版本（第 1 版）" in html and 'value="draft"' in html
    choose(browser, "draft")
    assert 'data-mode="preview"' in browser.client.get("/simulator").get_data(as_text=True)
    # The poll needs the page's token, as every simulator request does.
    assert browser.client.get("/simulator/version").status_code == 403
    asked = browser.client.get("/simulator/version", headers={"X-Simulator-Token": browser.token})
    assert asked.status_code == 200 and asked.json["serving"] == 1
    versions = app.extensions["ivr.versions"]
    write_draft(files, GREETING, DRAFT_GREETING)
    publish(versions.published, files / "prompts", files / "data", None, "王芳", "a draft greeting", print)
    versions.refresh()
    assert browser.client.get("/simulator/version", headers={"X-Simulator-Token": browser.token}).json["serving"] == 2
