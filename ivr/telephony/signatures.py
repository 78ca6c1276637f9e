"""Twilio request signatures: every webhook request must carry a valid X-Twilio-Signature."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlparse

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger("ivr.security")


def public_url() -> str:
    """The URL Twilio called: IVR_PUBLIC_URL plus path and query when set, else what this server saw.

    Never a host the client names unchecked: where IVR_PUBLIC_URL is empty, either no proxy's headers are believed or
    the host is one of IVR_TRUSTED_HOSTS, which Flask enforces before any view runs (ivr.config.check).
    """
    base = current_app.config["IVR_PUBLIC_URL"].rstrip("/")
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return base + request.path + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    """Refuse (403) any request Twilio did not sign with our auth token; log why, without the parameters."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        log.error("refused %s: TWILIO_AUTH_TOKEN is not set, so no request can be verified; "
                  "export TWILIO_AUTH_TOKEN=<your Twilio auth token> and restart", request.path)
        abort(403)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        log.warning("refused %s: no X-Twilio-Signature header (not a Twilio request)", request.path)
        abort(403)
    url = public_url()
    if not signed(RequestValidator(token), url, signature):
        log.warning("refused %s: X-Twilio-Signature does not match for %s; if Twilio calls another public URL "
                    "(ngrok, a proxy), set IVR_PUBLIC_URL to it", request.path, url)
        abort(403)


def signed(validator: RequestValidator, url: str, signature: str) -> bool:
    """Whether Twilio signed the request: the URL as it is first, then twilio's own check.

    twilio's validate() always computes two signatures, for the URL with a port and without; the URL as it is (as
    urlparse gives it back) is always one of the two, and a match on either is enough for it. So that one is tried
    alone first, and validate() decides only when it does not match.
    tests/integration/test_signature_check.py holds the two to the same answers.
    """
    expected = validator.compute_signature(urlparse(url).geturl(), request.form)
    if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return True
    return validator.validate(url, request.form, signature)
