"""Retried and replayed webhook requests: a retry hears the same answer, nothing else changes a call or restarts one."""

from __future__ import annotations

import pytest

from ivr.storage.store import Store
from ivr.tools.phone import Phone
from tests.conftest import TOKEN

ID_NUMBER, PASSWORD = "110108195404120012", "222222"
# That account's balance, 1,004.06, as said.
BALANCE_SAID = "一千零四元零六分"


class Recorder(Phone):
    """A caller whose every request (URL and parameters) is kept, as someone listening on the line would keep them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, dict]] = []

    def _request(self, url, params, signature=None):
        self.sent.append((url, dict(params)))
        return (yield from super()._request(url, params, signature))

    def replay(self, url: str, params: dict):
        """The same signed request again, from outside the call: its answer does not move the caller's place."""
        outsider = Phone(self.transport, TOKEN, call_sid=self.call_sid)
        answer = outsider.post(url, params)
        if answer.status_code != 200:
            return answer.status_code, None
        heard = outsider.follow(answer)
        text = answer.text if isinstance(answer.text, str) else answer.text.decode()
        return 200, (text, heard)


@pytest.fixture
def recorder(client):
    return lambda: Recorder(client, TOKEN)


def script(app):
    return app.extensions["ivr.versions"]().script


def prompt(app, node: str) -> str:
    return script(app).nodes[node].prompt.split("{")[0]


def stored(app, sid: str):
    return Store(app.config["DATABASE_URL"]).load_call(sid)


def test_a_retried_step_gets_the_same_answer_and_acts_once(app, recorder):
    call = recorder()
    call.dial()
    call.press("3")
    first, state = call.last_xml, stored(app, call.call_sid)
    status, (again, _) = call.replay(*call.sent[-1])
    assert (status, again) == (200, first)
    assert stored(app, call.call_sid) == state
    # The caller's next key is the one that counts.
    call.press("1")
    assert call.said.startswith(script(app).answers.rebate.region.split("{")[0])


def test_a_replayed_older_step_never_moves_the_call_nor_costs_the_callers_next_key(app, recorder):
    call = recorder()
    call.dial()
    call.press("3")
    older = call.sent[-1]
    call.press("*")
    for _ in range(40):
        state = stored(app, call.call_sid)
        status, answer = call.replay(*older)
        assert status >= 400 or answer[1] == [script(app).messages.goodbye]
        assert stored(app, call.call_sid) == state
        call.press("*")
        assert prompt(app, "rebate_where") in call.said


def test_an_older_step_with_other_keys_is_refused_too(app, recorder):
    call = recorder()
    call.dial()
    call.press("3")
    url, params = call.sent[-1]
    # The current step's request with another key is no retry: it is refused, not acted on.
    _, answer = call.replay(url, {**params, "Digits": "1"})
    assert answer[1] == [script(app).messages.goodbye]
    assert prompt(app, "rebate_where") in "".join(call.press("*"))


def test_a_replayed_first_request_does_not_reset_a_live_call(app, recorder):
    call = recorder()
    welcome = "".join(call.dial())
    _, (again, _) = call.replay(*call.sent[0])
    # Twilio retrying the first request hears the same welcome.
    assert again == call.last_xml
    call.press("3")
    state = stored(app, call.call_sid)
    _, answer = call.replay(*call.sent[0])
    assert script(app).nodes["main"].greeting not in "".join(answer[1]) and welcome not in answer[0]
    assert stored(app, call.call_sid) == state
    call.press("1")
    assert call.said.startswith(script(app).answers.rebate.region.split("{")[0])


def verified_balance(call: Recorder) -> None:
    call.dial()
    call.press("1")
    call.press(ID_NUMBER + "#")
    call.press(PASSWORD + "#")


def test_an_ended_call_is_never_started_again(app, recorder):
    call = recorder()
    verified_balance(call)
    assert BALANCE_SAID in call.said
    assert call.post("/voice/status", call.params(CallStatus="completed", CallDuration="60")).status_code == 204
    for url, params in call.sent[:-1]:
        status, answer = call.replay(url, params)
        if status == 200:
            assert answer[1] == [script(app).messages.goodbye], (url, answer[1])
            assert "<Hangup" in answer[0] and "<Gather" not in answer[0]
        else:
            assert 400 <= status < 500
    assert stored(app, call.call_sid) == {"ended": True}


def test_a_call_we_hung_up_is_never_started_again_and_its_last_answer_is_repeated(app, recorder):
    call = recorder()
    call.dial()
    while not call.hung_up:
        call.silence()
    last = call.last_xml
    status, (again, _) = call.replay(*call.sent[-1])
    assert again == last
    for url, params in call.sent[:-1]:
        _, answer = call.replay(url, params)
        assert answer[1] == [script(app).messages.goodbye]
    assert stored(app, call.call_sid)["ended"] is True


def test_a_retried_answer_with_the_balance_is_said_again_but_never_stored(app, recorder):
    call = recorder()
    verified_balance(call)
    balance = [sentence for sentence in call.heard if BALANCE_SAID in sentence]
    state = stored(app, call.call_sid)
    _, answer = call.replay(*call.sent[-1])
    assert balance[0] in answer[1]
    assert stored(app, call.call_sid) == state
    assert BALANCE_SAID not in str(state) and "1004" not in str(state)
    # The password step ran once: the retry neither counted a failure nor verified again.
    call.press(script(app).settings.keys.repeat)
    assert balance[0] in call.heard
