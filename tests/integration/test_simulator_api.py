"""The simulator's routes: the same call flow as Twilio's webhooks, guarded by the app's own session token."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ivr import create_app
from ivr.web.simulator import TEXT_FILE, TOKEN_HEADER
from tests.conftest import TOKEN
from tests.prompts import MAIN, wrong_key

STATIC = Path(TEXT_FILE).parent
TEMPLATES = STATIC.parent / "templates" / "simulator"


def make_app(tmp_path, clock, **config):
    return create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}",
        "CLOCK": clock,
        **config,
    })


class Browser:
    """The simulator page's requests, made with a test client that keeps the session cookie."""

    def __init__(self, client):
        self.client = client
        page = client.get("/simulator")
        assert page.status_code == 200
        self.token = re.search(r'"token": "([^"]+)"', page.get_data(as_text=True)).group(1)
        self.sid = None

    def post(self, url, token=True, **params):
        headers = {TOKEN_HEADER: self.token} if token else {}
        return self.client.post(url, data=params, headers=headers)

    def call(self, to="+861012393"):
        response = self.post("/simulator/call", To=to, From="+8613800138000")
        assert response.status_code == 200, response.get_data(as_text=True)
        self.sid = response.json["call_sid"]
        return response.json

    def press(self, answer, digits):
        action = re.search(r'<Gather action="([^"]+)"', answer["twiml"]).group(1).replace("&amp;", "&")
        response = self.post(action, CallSid=self.sid, To="+861012393", From="+8613800138000", Digits=digits)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


def test_the_page_lists_every_line_and_carries_a_token(app, client):
    page = client.get("/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "医保热线模拟器" in html
    for line in app.extensions["ivr.versions"]().lines.lines.values():
        for number in line.numbers:
            assert f'value="{number}"' in html
    assert re.search(r'"token": "[A-Za-z0-9_-]{40,}"', html)


def test_a_call_runs_through_the_same_flow_and_twiml(browser, app):
    answer = browser.call()
    assert re.match(r"^[A-Za-z0-9_-]{2,64}$", browser.sid)
    assert answer["node"] == "main"
    assert '<Gather action="/simulator/step?seq=0"' in answer["twiml"]
    assert "/simulator/step?seq=0&amp;event=silence" in answer["twiml"]
    assert MAIN.greeting in answer["twiml"]
    answer = browser.press(answer, "1")
    assert answer["node"] == "ask_id"
    answer = browser.press(answer, "440305198503150016")
    assert answer["node"] == "ask_password"
    assert answer["state"]["pending"]
    answer = browser.press(answer, "123456")
    assert answer["node"] == "balance"
    assert "五千六百七十八元九角" in answer["twiml"]
    assert answer["state"]["verified"]
    # Neither the page nor the stored state holds the number: the store keeps its keyed hash for the next step.
    assert "440305198503150016" not in json.dumps(answer, ensure_ascii=False)
    store = app.extensions["ivr.store"]
    assert store.load_call(browser.sid)["verified"] == store.reference("440305198503150016")


def test_an_id_number_said_in_the_simulator_is_masked_in_its_state_panel(browser, app):
    answer = browser.press(browser.call(), "1")
    action = re.search(r'<Gather action="([^"]+)"', answer["twiml"]).group(1).replace("&amp;", "&")
    response = browser.post(action, CallSid=browser.sid, To="+861012393", From="+8613800138000",
                            SpeechResult="四四零三零五一九八五零三一五零零一六", Confidence="0.9")
    answer = response.json
    store = app.extensions["ivr.store"]
    heard = store.load_call(browser.sid)["slots"]["heard_id"]
    assert heard == store.reference("440305198503150016")
    # The panel shows the reference masked, as it shows the verified one; the number itself is in neither.
    assert answer["state"]["slots"]["heard_id"] != heard
    assert "440305198503150016" not in json.dumps(answer["state"], ensure_ascii=False)


def test_the_status_callback_forgets_the_call(browser, app):
    browser.call()
    assert app.extensions["ivr.store"].load_call(browser.sid) is not None
    response = browser.post("/simulator/status", CallSid=browser.sid, CallStatus="completed")
    assert response.status_code == 204
    assert app.extensions["ivr.store"].load_call(browser.sid) == {"ended": True}


@pytest.mark.parametrize("url", ["/simulator/call", "/simulator/step?seq=0", "/simulator/status"])
def test_requests_without_the_page_token_are_refused(browser, url):
    browser.call()
    assert browser.post(url, token=False, CallSid=browser.sid, To="+861012393", Digits="1").status_code == 403
    browser.token = "x" * 43
    assert browser.post(url, CallSid=browser.sid, To="+861012393", Digits="1").status_code == 403


def test_a_session_may_only_step_its_own_calls(app, browser):
    answer = browser.call()
    stranger = Browser(app.test_client())
    stranger.sid = browser.sid
    response = stranger.post("/simulator/step?seq=0", CallSid=browser.sid, Digits="1")
    assert response.status_code == 403
    assert app.extensions["ivr.store"].load_call(browser.sid)["seq"] == 0
    assert browser.press(answer, "1")["node"] == "ask_id"


@pytest.mark.parametrize("params", [
    {"CallSid": "no spaces allowed"},
    {"CallSid": ""},
])
def test_malformed_call_sids_are_refused_without_a_500(browser, params):
    browser.call()
    response = browser.post("/simulator/step?seq=0", **params)
    assert response.status_code == 400
    assert "error" in response.json


def test_a_number_that_is_no_phone_number_is_refused(browser):
    response = browser.post("/simulator/call", To="<script>", From="+8613800138000")
    assert response.status_code == 400


def test_keys_no_keypad_sends_are_a_wrong_key(browser):
    answer = browser.press(browser.call(), "🙂")
    assert answer["node"] == "main"
    assert wrong_key("main") in answer["twiml"]


def test_the_twilio_webhooks_do_not_accept_the_simulator_token(browser):
    browser.call()
    response = browser.post("/voice/step?seq=0", CallSid=browser.sid, Digits="1")
    assert response.status_code == 403


def test_the_simulator_can_be_switched_off(tmp_path, clock):
    client = make_app(tmp_path, clock, IVR_SIMULATOR="0").test_client()
    assert client.get("/simulator").status_code == 404
    assert client.post("/simulator/call", data={"To": "+861012393"}).status_code == 404


def form_token(html: str) -> str:
    """The CSRF token a login form carries."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_operator_password_guards_the_simulator(tmp_path, clock):
    app = make_app(tmp_path, clock, IVR_SIMULATOR_PASSWORD="s3cret")
    client = app.test_client()
    page = client.get("/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="password"' in html and '"token"' not in html
    assert client.post("/simulator/call", data={"To": "+861012393"}).status_code == 403
    token = form_token(html)
    wrong = client.post("/simulator/login", data={"password": "guess", "csrf_token": token})
    assert wrong.status_code == 403
    assert "密码不正确" in wrong.get_data(as_text=True)
    right = client.post("/simulator/login", data={"password": "s3cret", "csrf_token": form_token(wrong.get_data(as_text=True))})
    assert right.status_code == 302
    browser = Browser(client)
    assert browser.call()["node"] == "main"
    # A new password closes the sessions opened with the old one.
    app.config["IVR_SIMULATOR_PASSWORD"] = "changed"
    assert b'type="password"' in client.get("/simulator").data
    assert browser.post("/simulator/call", To="+861012393", From="").status_code == 403


def test_every_interface_text_exists_in_both_languages():
    text = json.loads(TEXT_FILE.read_text(encoding="utf-8"))
    assert set(text) == {"zh", "en"}
    assert set(text["zh"]) == set(text["en"])
    used = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        used |= set(re.findall(r'data-text(?:-aria)?="(\w+)"', source))
        used |= set(re.findall(r"\bzh\.(\w+)", source))
    # simulator.js plays the calls; simulator-preview.js chooses the version they run on.
    script = "".join(path.read_text(encoding="utf-8") for path in sorted(STATIC.glob("simulator*.js")))
    used |= set(re.findall(r'\b(?:t|label)\((?:[^,]+?, )?"(\w+)"', script))
    used |= set(re.findall(r'(?:addNote|setStatus|markLine)\((?:\w+, )?"(\w+)"', script))
    used |= set(re.findall(r'event: "(\w+)"', script))
    assert used, "no interface text was found in use"
    assert set(text["zh"]) <= used, f"never used: {sorted(set(text['zh']) - used)}"
    assert used <= set(text["zh"]), f"missing in simulator-text.json: {sorted(used - set(text['zh']))}"
