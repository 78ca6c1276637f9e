"""`ivr twilio connect` and `ivr twilio status` against a recorded Twilio API (no network)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from click.testing import CliRunner
from twilio.http import HttpClient
from twilio.http.response import Response

from ivr.cli import main

ACCOUNT = "AC" + "1" * 32
TOKEN = "admin-test-token"
NUMBER = "+14155550123"
OTHER = "+14155550999"
NUMBERS_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json"
ONE_NUMBER = re.compile(rf"^https://api\.twilio\.com/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/(PN\w+)\.json$")


class FakeTwilio(HttpClient):
    """Twilio's REST API for one account holding two numbers; it records every request it gets."""

    def __init__(self, status: int = 200):
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.status = status
        self.requests: list[dict] = []
        self.numbers = {
            "PN" + "a" * 32: self._number("PN" + "a" * 32, NUMBER, "https://demo.twilio.com/welcome/voice/", "POST"),
            "PN" + "b" * 32: self._number("PN" + "b" * 32, OTHER, "", "POST"),
        }

    @staticmethod
    def _number(sid, phone, voice_url, voice_method):
        return {"sid": sid, "account_sid": ACCOUNT, "phone_number": phone, "friendly_name": phone,
                "voice_url": voice_url, "voice_method": voice_method, "status_callback": "",
                "status_callback_method": "POST", "api_version": "2010-04-01"}

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "url": url, "params": dict(params or {}), "data": dict(data or {}),
                              "auth": auth})
        if self.status != 200:
            return Response(self.status, json.dumps({"code": 20003, "message": "Authenticate", "status": self.status}))
        if method == "GET" and url == NUMBERS_URL:
            wanted = (params or {}).get("PhoneNumber")
            items = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
            return Response(200, json.dumps({"incoming_phone_numbers": items, "page": 0, "page_size": 50,
                                             "next_page_uri": None, "uri": url}))
        match = ONE_NUMBER.match(url)
        if method == "POST" and match and match[1] in self.numbers:
            number = self.numbers[match[1]]
            fields = {"VoiceUrl": "voice_url", "VoiceMethod": "voice_method", "StatusCallback": "status_callback",
                      "StatusCallbackMethod": "status_callback_method"}
            for name, value in (data or {}).items():
                number[fields[name]] = value
            return Response(200, json.dumps(number))
        return Response(404, json.dumps({"code": 20404, "message": "not found", "status": 404}))


@pytest.fixture
def twilio_env(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("IVR_PUBLIC_URL", "https://hotline.example.ngrok.app")


def run(fake, *args):
    return CliRunner().invoke(main, ["twilio", *args], obj={"twilio_http_client": fake})


def test_connect_points_voice_and_status_at_the_app(twilio_env):
    fake = FakeTwilio()
    result = run(fake, "connect", "--number", NUMBER, "--url", "https://hotline.example.ngrok.app/")
    assert result.exit_code == 0, result.output
    update = [r for r in fake.requests if r["method"] == "POST"]
    assert len(update) == 1
    assert update[0]["url"].endswith(f"/IncomingPhoneNumbers/PN{'a' * 32}.json")
    assert update[0]["data"] == {
        "VoiceUrl": "https://hotline.example.ngrok.app/voice",
        "VoiceMethod": "POST",
        "StatusCallback": "https://hotline.example.ngrok.app/voice/status",
        "StatusCallbackMethod": "POST",
    }
    assert update[0]["auth"] == (ACCOUNT, TOKEN)
    # The number was looked up by its own value, and the other number was left alone.
    assert fake.requests[0]["params"] == {"PhoneNumber": NUMBER}
    assert fake.numbers["PN" + "b" * 32]["voice_url"] == ""
    assert "calls go to POST https://hotline.example.ngrok.app/voice" in result.output
    assert "warning" not in result.output


def test_status_shows_what_is_set(twilio_env):
    fake = FakeTwilio()
    before = run(fake, "status")
    assert before.exit_code == 0, before.output
    assert f"{NUMBER}  (not this hotline's IVR_PUBLIC_URL)" in before.output
    assert "voice:  POST https://demo.twilio.com/welcome/voice/" in before.output
    run(fake, "connect", "--number", NUMBER, "--url", "https://hotline.example.ngrok.app")
    after = run(fake, "status", "--number", NUMBER)
    assert after.exit_code == 0, after.output
    assert f"{NUMBER}  (this hotline)" in after.output
    assert "status: POST https://hotline.example.ngrok.app/voice/status" in after.output
    assert OTHER not in after.output
    # Only connect changed anything: status reads.
    assert [r["method"] for r in fake.requests].count("POST") == 1


def test_connect_warns_when_the_app_checks_signatures_against_another_url(twilio_env):
    result = run(FakeTwilio(), "connect", "--number", NUMBER, "--url", "https://elsewhere.example.com")
    assert result.exit_code == 0
    assert "IVR_PUBLIC_URL is https://hotline.example.ngrok.app" in result.output


@pytest.mark.parametrize("args, message", [
    (["--number", "+1 415 555 0123", "--url", "https://hotline.example.ngrok.app"], "not a phone number"),
    (["--number", NUMBER, "--url", "http://hotline.example.ngrok.app"], "not an https:// base URL"),
    (["--number", NUMBER, "--url", "https://hotline.example.ngrok.app/?x=1"], "not an https:// base URL"),
    (["--number", "+14155550100", "--url", "https://hotline.example.ngrok.app"], "is not a number of this Twilio account"),
])
def test_connect_refuses_what_cannot_work(twilio_env, args, message):
    fake = FakeTwilio()
    result = run(fake, "connect", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not [r for r in fake.requests if r["method"] == "POST"]


def test_refused_credentials_are_said_plainly(twilio_env):
    result = run(FakeTwilio(status=401), "status")
    assert result.exit_code == 2
    assert "Twilio refused the credentials (401)" in result.output
    assert "Traceback" not in result.output


def test_missing_credentials_ask_for_the_settings(monkeypatch):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    fake = FakeTwilio()
    result = run(fake, "status")
    assert result.exit_code == 2
    assert "set TWILIO_ACCOUNT_SID" in result.output
    assert fake.requests == []
