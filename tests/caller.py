"""A simulated phone caller: posts signed requests the way Twilio does and follows the TwiML it gets back."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

_sids = itertools.count(1)


class Caller:
    """Dials the hotline, presses keys, stays silent, and records everything said to it."""

    def __init__(self, client, token: str, to: str = "+861012393", from_: str = "+8613900000000",
                 base: str = "http://localhost"):
        self.client = client
        self.validator = RequestValidator(token)
        self.to = to
        self.from_ = from_
        self.base = base
        self.call_sid = "CA%032x" % next(_sids)
        self.transcript: list[str] = []
        self.heard: list[str] = []
        self.gather: dict | None = None
        self.after_gather: str | None = None
        self.dialled: str | None = None
        self.dial_action: str | None = None
        self.hung_up = False
        self.last_status = None
        self.last_xml = ""

    # Twilio's side of the conversation.

    def params(self, **extra) -> dict:
        params = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.from_,
            "To": self.to,
            "Caller": self.from_,
            "Called": self.to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        params.update(extra)
        return params

    def post(self, url: str, params: dict, signature: str | None = None):
        """POST like Twilio: form parameters and X-Twilio-Signature over the full URL and the sorted parameters."""
        full = url if url.startswith("http") else self.base + url
        parts = urlsplit(full)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if signature is None:
            signature = self.validator.compute_signature(full, params)
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        self.last_status = response.status_code
        return response

    def _follow(self, response) -> list[str]:
        assert response.status_code == 200, f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
        assert response.mimetype == "text/xml"
        self.last_xml = response.get_data(as_text=True)
        root = ET.fromstring(self.last_xml)
        assert root.tag == "Response"
        self.heard = []
        self.gather = None
        self.after_gather = None
        for verb in root:
            if verb.tag == "Say":
                self.heard.append(verb.text or "")
            elif verb.tag == "Gather":
                self.gather = dict(verb.attrib)
                self.heard.extend(say.text or "" for say in verb.iter("Say"))
            elif verb.tag == "Redirect":
                if self.gather is not None:
                    # Only reached after a Gather times out: remember it as the silence path.
                    self.after_gather = verb.text
                else:
                    self.transcript.extend(self.heard)
                    return self._follow(self.post(verb.text, self.params()))
                break
            elif verb.tag == "Dial":
                self.dialled = (verb.text or "").strip()
                self.dial_action = verb.attrib.get("action")
                break
            elif verb.tag == "Hangup":
                self.hung_up = True
                break
        if self.gather is not None:
            assert self.after_gather, "a Gather without a fallback verb would end the call on silence"
        self.transcript.extend(self.heard)
        return self.heard

    # What a caller does.

    def dial(self) -> list[str]:
        return self._follow(self.post("/voice", self.params()))

    def press(self, keys: str) -> list[str]:
        """Key presses into the current Gather, with Twilio's finishOnKey and numDigits rules."""
        assert self.gather is not None, "nothing is listening for keys"
        finish = self.gather.get("finishOnKey", "#")
        num_digits = int(self.gather["numDigits"]) if "numDigits" in self.gather else None
        digits = keys
        finished_on = ""
        if finish and finish in digits:
            digits, finished_on = digits[: digits.index(finish)], finish
        if num_digits:
            digits = digits[:num_digits]
        if digits == "":
            # A lone finishOnKey counts as no input: Twilio goes on to the verb after the Gather.
            return self.silence()
        return self._follow(self.post(self.gather["action"], self.params(Digits=digits, FinishedOnKey=finished_on)))

    def silence(self) -> list[str]:
        """The Gather times out: Twilio runs the next verb, our Redirect."""
        assert self.after_gather, "no fallback verb after the Gather"
        return self._follow(self.post(self.after_gather, self.params()))

    def agent_call_ends(self, status: str = "completed") -> list[str]:
        assert self.dial_action
        return self._follow(self.post(self.dial_action, self.params(DialCallStatus=status)))

    @property
    def said(self) -> str:
        """The last response's sentences as one text, for `in` assertions."""
        return "".join(self.heard)
