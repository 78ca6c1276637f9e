"""The next step's URL, written out for speed, is the URL Flask's url_for builds, behind a proxy and a path prefix too."""

from __future__ import annotations

import pytest
from flask import url_for

from ivr import create_app
from ivr.web.webhooks import step_url
from tests.conftest import TOKEN

EVENTS = [None, "silence", "dial", "outage"]


@pytest.mark.parametrize("public", ["", "https://hotline.example.org", "https://hotline.example.org/"])
@pytest.mark.parametrize("request_options", [
    {},
    {"base_url": "http://localhost:8000/ivr"},
    {"environ_base": {"HTTP_X_FORWARDED_HOST": "hotline.example.org", "HTTP_X_FORWARDED_PROTO": "https"}},
], ids=["direct", "under-a-prefix", "behind-a-proxy"])
def test_the_step_url_is_the_one_url_for_builds(tmp_path, public, request_options):
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "IVR_TRUST_PROXY": "1" if public else "0",
                      "IVR_PUBLIC_URL": public, "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}"})
    with app.test_request_context("/voice/step?seq=3", method="POST", **request_options):
        base = public.rstrip("/")
        for seq in (0, 7, 123456):
            for event in EVENTS:
                built = (base + url_for("voice.step", seq=seq, event=event) if base
                         else url_for("voice.step", seq=seq, event=event, _external=True))
                assert step_url(seq, event) == built
    app.extensions["ivr.store"].close()
