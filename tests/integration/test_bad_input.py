"""Garbled, overlong, repeated or stale input gets a spoken answer or a 4xx, never a 500."""

import json
import logging

import pytest

from ivr.storage.store import Store
from tests.prompts import ASK_ID, MAIN, MESSAGES, rebate_where, silence, wrong_key

MAIN_SHORT, MAIN_FULL = MAIN.short, MAIN.prompt


def step(c, **params):
    return c.post(c.gather["action"], c.params(**params))


@pytest.mark.parametrize("digits", ["abc", "1" * 500, "１", "😀", "1 2", "%00", "\x00", "1;DROP TABLE accounts"])
def test_garbled_digits_in_a_menu_are_a_wrong_key(caller, digits):
    c = caller()
    c.dial()
    c.follow(step(c, Digits=digits))
    assert c.heard == [wrong_key("main"), MAIN_SHORT]


@pytest.mark.parametrize("digits", ["abc", "1" * 500, "😀"])
def test_garbled_digits_in_the_id_prompt_ask_again(caller, digits):
    c = caller()
    c.dial()
    c.press("1")
    c.follow(step(c, Digits=digits))
    assert c.heard == [wrong_key("ask_id"), ASK_ID]


def test_empty_digits_count_as_silence(caller):
    c = caller()
    c.dial()
    c.follow(step(c, Digits=""))
    assert c.heard == [silence("main"), MAIN_SHORT]


def test_missing_digits_count_as_silence(caller):
    c = caller()
    c.dial()
    c.follow(c.post(c.gather["action"], c.params()))
    assert c.heard == [silence("main"), MAIN_SHORT]


def test_a_repeated_digits_parameter_is_a_wrong_key(caller):
    c = caller()
    c.dial()
    url = c.gather["action"]
    params = c.params()
    form = list(params.items()) + [("Digits", "1"), ("Digits", "2")]
    from werkzeug.datastructures import MultiDict

    c.follow(c.post(url, MultiDict(form)))
    assert c.heard == [wrong_key("main"), MAIN_SHORT]


@pytest.mark.parametrize("sid", [None, "", "x" * 65, "CA<script>", "../../etc"])
def test_a_bad_call_sid_is_a_400(caller, sid):
    c = caller()
    params = c.params()
    if sid is None:
        del params["CallSid"]
    else:
        params["CallSid"] = sid
    assert c.post("/voice", params).status_code == 400


def test_an_oversized_body_is_refused(caller):
    c = caller()
    params = c.params(Filler="x" * 100_000)
    assert c.post("/voice", params).status_code == 413


def test_a_stale_step_is_refused_without_acting(app, caller):
    c = caller()
    c.dial()
    old_action = c.gather["action"]
    c.press("3")
    # An old step's URL with other keys is no retry: it must not choose 1 in the main menu, nor move the call.
    outsider = caller()
    outsider.call_sid = c.call_sid
    outsider.follow(outsider.post(old_action, outsider.params(Digits="1")))
    assert outsider.heard == [app.extensions["ivr.versions"]().script.messages.goodbye] and outsider.hung_up
    assert c.press("*") == [rebate_where("北京")]


@pytest.mark.parametrize("query", ["seq=abc", "seq=" + "9" * 200, "", "seq=0&event=explode", "seq=-1"])
def test_a_garbled_step_url_is_answered(caller, query):
    c = caller()
    c.dial()
    response = c.post("/voice/step" + (f"?{query}" if query else ""), c.params(Digits="1"))
    assert response.status_code == 200
    c.follow(response)
    assert c.heard


def test_an_unknown_call_starts_again_at_the_main_menu(caller):
    c = caller()
    c.follow(c.post("/voice/step?seq=3", c.params(Digits="1")))
    assert c.heard == [MESSAGES.restarted, MAIN_FULL]


@pytest.mark.parametrize("tamper", [
    lambda s: {**s, "node": "no_such_node"},
    lambda s: {**s, "verified": "110108195404120013"},
    lambda s: {**s, "seq": "zero"},
    lambda s: {**s, "slots": {"region": "atlantis"}},
    lambda s: {**s, "slots": {"page": "1"}},
    lambda s: {"node": "main"},
    lambda s: [1, 2, 3],
])
def test_a_tampered_state_is_refused_and_the_call_restarts(app, caller, tamper):
    c = caller()
    c.dial()
    store = Store(app.config["DATABASE_URL"])
    store.save_call(c.call_sid, tamper(store.load_call(c.call_sid)), app.config["CLOCK"]())
    c.follow(c.post("/voice/step?seq=0", c.params(Digits="1")))
    assert c.heard == [MESSAGES.restarted, MAIN_FULL]
    assert store.load_call(c.call_sid)["node"] == "main"


def test_an_unexpected_error_becomes_an_apology_and_the_main_menu(app, caller, monkeypatch):
    from ivr.core.answers import rebate

    def broken(*args, **kwargs):
        raise RuntimeError("backend exploded")

    monkeypatch.setattr(rebate, "chosen", broken)
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    assert c.press("70#") == [MESSAGES.apology, MAIN_FULL]
    # The call goes on normally afterwards.
    assert c.press("3") == [rebate_where("北京")]


def test_a_database_that_fails_gets_a_spoken_apology_not_a_500(app, caller, monkeypatch):
    c = caller()
    c.dial()
    store = app.extensions["ivr.store"]

    def down(*args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(store, "load_call", down)
    monkeypatch.setattr(store, "save_call", down)
    response = c.post(c.gather["action"], c.params(Digits="1"))
    assert response.status_code == 200
    c.follow(response)
    assert c.heard == [MESSAGES.apology, MESSAGES.goodbye]


# Privacy: no ID number, password or amount in a URL or a log line.

def test_no_personal_data_in_urls_or_logs(caller, caplog):
    secrets = ["110108195404120012", "222222", "135790", "1004", "一千零四"]
    with caplog.at_level(logging.DEBUG):
        c = caller()
        c.dial()
        urls = []
        for keys in ["1", "110108195404120012#", "135790#", "222222#", "9", "2"]:
            urls.append(c.gather["action"])
            urls.append(c.after_gather)
            c.press(keys)
    assert "一千零四元零六分" in "".join(c.transcript)
    for url in urls:
        assert all(secret not in url for secret in secrets[:4]), url
        assert url.startswith("http://localhost/voice/step?seq=")
    for record in caplog.records:
        line = record.getMessage()
        assert all(secret not in line for secret in secrets), line


def test_the_stored_call_state_holds_no_password_or_balance(app, caller):
    c = caller()
    c.dial()
    c.press("1")
    c.press("110108195404120012#")
    c.press("222222#")
    text = json.dumps(Store(app.config["DATABASE_URL"]).load_call(c.call_sid), ensure_ascii=False)
    assert "222222" not in text and "1004" not in text
