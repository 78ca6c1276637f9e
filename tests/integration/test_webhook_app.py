"""The webhooks are answered by an app of their own: no browser protections on TwiML, all of them on the pages, and
one configuration shared by both."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from ivr.tools.phone import Phone
from tests.conftest import TOKEN


def signed(path: str, params: dict, token: str = TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature("http://localhost" + path, params)}


def test_a_webhook_answer_carries_no_page_headers_or_cookies(client):
    call = Phone(client, TOKEN)
    answer = client.post("/voice", data=call.params(), headers={"X-Twilio-Signature": "wrong"})
    assert answer.status_code == 403
    call.dial()
    response = client.post("/voice/step?seq=0", data=call.params(Digits="1"),
                           headers=signed("/voice/step?seq=0", call.params(Digits="1")))
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert "Content-Security-Policy" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_the_pages_keep_their_protections(client):
    page = client.get("/")
    assert "Content-Security-Policy" in page.headers
    assert page.headers["X-Frame-Options"] == "DENY"


def test_a_setting_changed_on_the_app_holds_for_the_webhooks(app, client):
    call = Phone(client, TOKEN)
    app.config["TWILIO_AUTH_TOKEN"] = "another token"
    # Signed with the old token, the request is now refused by the webhooks' app too.
    assert client.post("/voice", data=call.params(), headers=signed("/voice", call.params())).status_code == 403
    assert client.post("/voice", data=call.params(),
                       headers=signed("/voice", call.params(), "another token")).status_code == 200
