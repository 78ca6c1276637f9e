"""A local HTTP server that answers as Twilio's Messages API does, for the real twilio client to talk to.

It implements POST /2010-04-01/Accounts/{AccountSid}/Messages.json: HTTP Basic authentication with the account SID
and auth token, the form fields To, From and Body, a 201 with the message resource (sid SM..., status queued), and
Twilio's error document ({"code", "message", "more_info", "status"}) for a bad 'To' (21211), missing parameters
(21604, 21602), wrong credentials (20003), and any failure a test asks for (429, 500, 21610 unsubscribed...)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Failure:
    status: int
    code: int
    message: str


# Twilio's own wording of the errors the hotline must tell apart.
INVALID_TO = Failure(400, 21211, "The 'To' number {to} is not a valid phone number.")
UNSUBSCRIBED = Failure(400, 21610, "Attempt to send to unsubscribed recipient")
TOO_MANY = Failure(429, 20429, "Too Many Requests")
SERVER_ERROR = Failure(500, 20500, "Internal Server Error")
NOT_AUTHENTICATED = Failure(401, 20003, "Authenticate")


@dataclass
class FakeMessagesApi:
    account_sid: str
    auth_token: str
    # What each request carried, in order: the account in the path, the form fields and whether auth matched.
    requests: list[dict] = field(default_factory=list)
    # Failures to answer with, one per request, before answering normally again.
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # While set and not yet released, every request waits for it: Twilio taking its time.
    hold: threading.Event | None = None

    def fail_next(self, *failures: Failure) -> None:
        with self.lock:
            self.failures.extend(failures)

    @property
    def sent(self) -> list[dict]:
        return [r for r in self.requests if r["status"] == 201]

    def answer(self, path: str, authorization: str, form: dict[str, str]) -> tuple[int, dict]:
        match = MESSAGES.match(path)
        with self.lock:
            planned = self.failures.pop(0) if self.failures else None
        if match is None:
            return 404, _error(Failure(404, 20404, "The requested resource {path} was not found"), path=path)
        if match.group(1) != self.account_sid or authorization != _basic(self.account_sid, self.auth_token):
            return 401, _error(NOT_AUTHENTICATED)
        for name, code in (("To", 21604), ("Body", 21602)):
            if not form.get(name):
                return 400, _error(Failure(400, code, f"A '{name}' phone number is required."))
        if not E164.match(form["To"]):
            return 400, _error(INVALID_TO, to=form["To"])
        if planned is not None:
            return planned.status, _error(planned, to=form["To"])
        return 201, self._message(form)

    def _message(self, form: dict[str, str]) -> dict:
        sid = "SM" + secrets.token_hex(16)
        now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": form["Body"],
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": form.get("From"), "messaging_service_sid": None,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
            "status": "queued", "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": form["To"], "uri": uri,
        }


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _error(failure: Failure, **values) -> dict:
    return {"code": failure.code, "message": failure.message.format(**values),
            "more_info": f"https://www.twilio.com/docs/errors/{failure.code}", "status": failure.status}


class _Handler(BaseHTTPRequestHandler):
    api: FakeMessagesApi

    def do_POST(self):
        if self.api.hold is not None:
            self.api.hold.wait(10)
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode("utf-8"))
        form = {name: values[0] for name, values in fields.items()}
        status, document = self.api.answer(self.path, self.headers.get("Authorization", ""), form)
        self.api.requests.append({"path": self.path, "form": form, "status": status})
        payload = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        """Quiet: the tests look at `requests`."""


class FakeTwilioServer:
    """The fake API on a free local port, in a thread; `url` is what TWILIO_API_URL is set to."""

    def __init__(self, api: FakeMessagesApi):
        handler = type("Handler", (_Handler,), {"api": api})
        self.api = api
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
