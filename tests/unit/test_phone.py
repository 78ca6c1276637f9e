"""The fake phone follows Twilio's rules: Gather's numDigits, finishOnKey, timeout and actionOnEmptyResult, Redirect,
Dial and Hangup, and signs every request as Twilio does."""

import asyncio

import pytest
from twilio.request_validator import RequestValidator

from ivr.tools.phone import (
    Answer,
    AsyncTransport,
    BadAnswer,
    CallOver,
    NotListening,
    NotTransferring,
    Phone,
    Transport,
)

TOKEN = "unit-test-token"
BASE = "https://hotline.example"


def twiml(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


MENU = twiml('<Gather action="/step?seq=1" numDigits="1" finishOnKey="#"><Say>menu</Say></Gather>',
             '<Say>nothing heard</Say><Redirect>/step?seq=1&amp;event=silence</Redirect>')
ID = twiml('<Gather action="/step?seq=2" finishOnKey="#" timeout="6"><Say>your id</Say></Gather>',
           "<Redirect>/step?seq=2&amp;event=silence</Redirect>")


class Scripted(Transport):
    """A server that answers each path with a given document and checks every signature as the app does."""

    def __init__(self, pages: dict[str, str]):
        self.pages = pages
        self.requests = []
        self.validator = RequestValidator(TOKEN)

    def send(self, request):
        self.requests.append(request)
        if not self.validator.validate(request.url, request.params, request.headers["X-Twilio-Signature"]):
            return Answer(403, "forbidden", "text/plain")
        page = self.pages.get(request.path)
        if page is None:
            return Answer(404, "not found", "text/plain")
        return Answer(200, page, "text/xml")

    def last(self, name: str):
        return self.requests[-1].params.get(name)


def phone(pages: dict[str, str]) -> tuple[Phone, Scripted]:
    server = Scripted(pages)
    return Phone(server, TOKEN, base=BASE), server


def test_every_request_is_signed_over_the_full_url_and_the_post_parameters():
    p, server = phone({"/voice": MENU, "/step?seq=1": twiml("<Hangup/>")})
    p.dial()
    p.press("1")
    assert [r.url for r in server.requests] == [BASE + "/voice", BASE + "/step?seq=1"]
    for request in server.requests:
        assert RequestValidator(TOKEN).validate(request.url, request.params, request.headers["X-Twilio-Signature"])
    assert not RequestValidator("another-token").validate(server.requests[0].url, server.requests[0].params,
                                                          server.requests[0].headers["X-Twilio-Signature"])


def test_num_digits_ends_the_gather_and_later_keys_are_lost():
    p, server = phone({"/voice": MENU, "/step?seq=1": twiml("<Say>one</Say><Hangup/>")})
    p.dial()
    assert p.press("123") == ["one"]
    assert server.last("Digits") == "1" and server.last("FinishedOnKey") == ""


def test_finish_on_key_ends_the_gather_and_is_not_in_the_digits():
    p, server = phone({"/voice": ID, "/step?seq=2": twiml("<Hangup/>")})
    p.dial()
    p.press("1101#99")
    assert server.last("Digits") == "1101" and server.last("FinishedOnKey") == "#"


def test_without_finish_key_or_num_digits_the_timeout_sends_the_digits():
    p, server = phone({"/voice": twiml('<Gather action="/step?seq=2" finishOnKey=""><Say>x</Say></Gather>'),
                       "/step?seq=2": twiml("<Hangup/>")})
    p.dial()
    p.press("12#3")
    assert server.last("Digits") == "12#3" and server.last("FinishedOnKey") == ""


def test_a_lone_finish_key_is_no_input_and_falls_through_to_the_next_verb():
    p, server = phone({"/voice": ID, "/step?seq=2&event=silence": twiml("<Say>again</Say><Hangup/>")})
    p.dial()
    assert p.press("#") == ["again"]
    assert server.requests[-1].path == "/step?seq=2&event=silence" and "Digits" not in server.requests[-1].params


def test_silence_runs_the_verbs_after_the_gather_and_follows_the_redirect():
    p, server = phone({"/voice": MENU, "/step?seq=1&event=silence": MENU})
    p.dial()
    # The Say after the Gather is heard, then the Redirect is followed at once, to a new Gather.
    assert p.silence() == ["nothing heard", "menu"]
    assert p.gather["action"] == "/step?seq=1"
    assert [turn.action for turn in p.turns] == ["dial", "silence"]
    assert [verb for verb, _ in p.turns[-1].verbs] == ["Say", "Redirect", "Gather"]


def test_a_gather_with_nothing_after_it_ends_the_call_on_silence():
    p, _ = phone({"/voice": twiml('<Gather action="/step"><Say>x</Say></Gather>')})
    p.dial()
    assert p.silence() == [] and p.hung_up
    with pytest.raises(CallOver):
        p.press("1")


def test_action_on_empty_result_posts_the_empty_gather():
    p, server = phone({"/voice": twiml('<Gather action="/step?seq=3" actionOnEmptyResult="true"><Say>x</Say></Gather>',
                                       "<Hangup/>"),
                       "/step?seq=3": twiml("<Say>empty</Say><Hangup/>")})
    p.dial()
    assert p.silence() == ["empty"]
    assert server.requests[-1].path == "/step?seq=3" and server.last("Digits") == ""


def test_a_gather_without_an_action_posts_back_to_the_document():
    p, server = phone({"/voice": twiml("<Gather><Say>x</Say></Gather>", "<Hangup/>")})
    p.dial()
    p.press("5")
    assert [r.url for r in server.requests] == [BASE + "/voice", BASE + "/voice"] and server.last("Digits") == "5"


def test_a_dial_waits_for_the_transfer_to_end():
    p, server = phone({"/voice": twiml('<Say>connecting</Say><Dial action="/dial">+861065550100</Dial>'),
                       "/dial": twiml("<Say>bye</Say><Hangup/>")})
    assert p.dial() == ["connecting"]
    assert p.ended == "agent" and p.dialled == "+861065550100"
    with pytest.raises(CallOver):
        p.press("1")
    assert p.transfer_ends("no-answer") == ["bye"]
    assert server.last("DialCallStatus") == "no-answer"
    assert p.hung_up
    with pytest.raises(CallOver):
        p.transfer_ends()


def test_no_transfer_to_end_and_no_gather_to_press_into():
    p, _ = phone({"/voice": MENU})
    with pytest.raises(NotListening):
        p.press("1")
    p.dial()
    with pytest.raises(NotTransferring):
        p.transfer_ends()


def test_an_error_status_or_a_document_that_is_not_twiml_is_a_bad_answer():
    p, _ = phone({"/voice": "<html>oops</html>"})
    with pytest.raises(BadAnswer):
        p.dial()
    p, _ = phone({})
    with pytest.raises(BadAnswer) as caught:
        p.dial()
    assert caught.value.status_code == 404


def test_a_redirect_loop_is_cut_off():
    p, server = phone({"/voice": twiml("<Redirect>/voice</Redirect>")})
    with pytest.raises(BadAnswer, match="redirects"):
        p.dial()
    assert len(server.requests) == 21


def test_the_same_phone_runs_on_an_async_transport():
    class Async(AsyncTransport):
        def __init__(self):
            self.inner = Scripted({"/voice": MENU, "/step?seq=1": twiml("<Say>one</Say><Hangup/>")})

        async def send(self, request):
            await asyncio.sleep(0)
            return self.inner.send(request)

    async def call():
        p = Phone(Async(), TOKEN, base=BASE)
        assert await p.dial() == ["menu"]
        assert await p.press("1") == ["one"]
        return p

    assert asyncio.run(call()).hung_up
