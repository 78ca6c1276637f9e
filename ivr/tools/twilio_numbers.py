"""Point a Twilio number's voice webhook and status callback at the hotline, and show where they point."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class AdminError(Exception):
    """Something an operator must fix (credentials, a number not on the account, a bad URL); said in one line."""


@dataclass(frozen=True)
class NumberSetup:
    """Where one of the account's numbers sends its calls."""

    number: str
    sid: str
    voice_url: str
    voice_method: str
    status_callback: str
    status_callback_method: str

    def points_at(self, base_url: str) -> bool:
        base = base_url.rstrip("/")
        return (self.voice_url == base + "/voice" and self.voice_method == "POST"
                and self.status_callback == base + "/voice/status" and self.status_callback_method == "POST")


def client(account_sid: str, auth_token: str, http_client=None) -> Client:
    if not account_sid.startswith("AC") or not auth_token:
        raise AdminError("set TWILIO_ACCOUNT_SID (AC...) and TWILIO_AUTH_TOKEN to the Twilio account's credentials")
    return Client(account_sid, auth_token, http_client=http_client)


def check_number(number: str) -> str:
    if not E164.match(number):
        raise AdminError(f"{number!r} is not a phone number in E.164 form, such as +14155550123")
    return number


def check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise AdminError(f"{url!r} is not an https:// base URL such as https://your-name.ngrok.app")
    return url.rstrip("/")


def _setup(number) -> NumberSetup:
    return NumberSetup(number.phone_number, number.sid, number.voice_url or "", number.voice_method or "",
                       number.status_callback or "", number.status_callback_method or "")


def _rest_error(exc: TwilioException) -> AdminError:
    # A refused update raises TwilioRestException; a refused list raises TwilioException("Unable to fetch page", response).
    if isinstance(exc, TwilioRestException):
        status = exc.status
    else:
        status = next((arg.status_code for arg in exc.args if hasattr(arg, "status_code")), None)
    if status == 401:
        return AdminError("Twilio refused the credentials (401): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    if status is not None:
        return AdminError(f"Twilio answered {status}: {getattr(exc, 'msg', exc.args[0])}")
    return AdminError(f"Twilio could not be reached: {exc}")


def numbers(api: Client, number: str | None = None) -> list[NumberSetup]:
    """The account's numbers (or the one given) with their webhooks."""
    try:
        found = api.incoming_phone_numbers.list(phone_number=number) if number else api.incoming_phone_numbers.list()
    except TwilioException as exc:
        raise _rest_error(exc) from None
    return [_setup(item) for item in found]


def connect(api: Client, number: str, base_url: str) -> NumberSetup:
    """Send the number's calls to {base}/voice and its call outcomes to {base}/voice/status, both by POST."""
    number = check_number(number)
    base = check_base_url(base_url)
    matches = [item for item in numbers(api, number) if item.number == number]
    if not matches:
        raise AdminError(f"{number} is not a number of this Twilio account")
    try:
        updated = api.incoming_phone_numbers(matches[0].sid).update(
            voice_url=base + "/voice",
            voice_method="POST",
            status_callback=base + "/voice/status",
            status_callback_method="POST",
        )
    except TwilioException as exc:
        raise _rest_error(exc) from None
    return _setup(updated)
