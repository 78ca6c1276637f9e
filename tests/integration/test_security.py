"""Every webhook request must carry Twilio's signature over the exact public URL."""

import logging

import pytest
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.tools.phone import Phone
from tests.conftest import TOKEN


@pytest.mark.parametrize("path", ["/voice", "/voice/step?seq=0", "/voice/status"])
def test_a_request_without_signature_is_refused(caller, path, caplog):
    c = caller()
    with caplog.at_level(logging.WARNING, logger="ivr.security"):
        response = c.transport.client.post(path, data=c.params())
    assert response.status_code == 403
    assert "no X-Twilio-Signature header" in caplog.text


def test_a_forged_signature_is_refused(caller, caplog):
    c = caller()
    forged = RequestValidator("not-our-token").compute_signature("http://localhost/voice", c.params())
    with caplog.at_level(logging.WARNING, logger="ivr.security"):
        assert c.post("/voice", c.params(), signature=forged).status_code == 403
    assert "does not match for http://localhost/voice" in caplog.text


def test_a_signature_over_other_parameters_is_refused(caller):
    c = caller()
    c.dial()
    signed = c.params(Digits="1")
    signature = c.validator.compute_signature(c.gather["action"], signed)
    assert c.post(c.gather["action"], c.params(Digits="2"), signature=signature).status_code == 403


def test_without_a_token_every_webhook_fails_closed(tmp_path, caplog):
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    c = Phone(app.test_client(), "")
    with caplog.at_level(logging.ERROR, logger="ivr.security"):
        assert c.post("/voice", c.params(), signature="anything").status_code == 403
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text
    assert "export TWILIO_AUTH_TOKEN" in caplog.text


def test_behind_a_proxy_the_public_url_is_what_is_signed(tmp_path):
    app = create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_PUBLIC_URL": "https://hotline.example.ngrok.app",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
    })
    public = Phone(app.test_client(), TOKEN, base="https://hotline.example.ngrok.app")
    public.dial()
    # Twilio is told to post the next step to the public URL too.
    assert public.gather["action"] == "https://hotline.example.ngrok.app/voice/step?seq=0"
    assert public.press("3")[0].startswith("查询北京的标准")
    internal = Phone(app.test_client(), TOKEN)
    assert internal.post("/voice", internal.params()).status_code == 403


def test_the_status_callback_is_signed_and_forgets_the_call(app, caller):
    from ivr.storage.store import Store

    c = caller()
    c.dial()
    store = Store(app.config["DATABASE_URL"])
    assert store.load_call(c.call_sid) is not None
    response = c.post("/voice/status", c.params(CallStatus="completed", CallDuration="42"))
    assert response.status_code == 204
    assert store.load_call(c.call_sid) == {"ended": True}
