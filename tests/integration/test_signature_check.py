"""The quick signature check accepts exactly the requests twilio's RequestValidator accepts."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

from flask import Flask, request
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator, add_port, remove_port
from werkzeug.datastructures import MultiDict

from ivr.telephony.signatures import signed

TOKEN = "the-auth-token"
APP = Flask(__name__)

URLS = st.builds(
    lambda scheme, host, port, query: f"{scheme}://{host}{port}/voice/step{query}",
    st.sampled_from(["http", "https"]), st.sampled_from(["hotline.example.org", "127.0.0.1"]),
    st.sampled_from(["", ":80", ":443", ":8000"]), st.sampled_from(["", "?seq=3", "?seq=3&event=silence"]))
FORMS = st.lists(st.tuples(st.sampled_from(["CallSid", "Digits", "From", "SpeechResult"]),
                           st.text(alphabet="0123456789*#CA+ 你好&=", max_size=8)), max_size=5)


def signature_for(token: str, url: str, form: list, variant: str) -> str:
    parsed = urlparse(url)
    signed_url = {"as is": url, "with port": add_port(parsed), "without port": remove_port(parsed),
                  "other path": url.replace("/step", "/stop")}[variant]
    return RequestValidator(token).compute_signature(signed_url, MultiDict(form))


@settings(max_examples=300, deadline=None)
@given(url=URLS, form=FORMS, variant=st.sampled_from(["as is", "with port", "without port", "other path"]),
       token=st.sampled_from([TOKEN, "another-token"]), signed_form=st.booleans())
def test_it_accepts_what_twilio_accepts_and_nothing_else(url, form, variant, token, signed_form):
    signature = signature_for(token, url, form if signed_form else form + [("Digits", "9")], variant)
    validator = RequestValidator(TOKEN)
    with APP.test_request_context("/voice/step", method="POST", data=urlencode(form),
                                  content_type="application/x-www-form-urlencoded"):
        assert signed(validator, url, signature) == validator.validate(url, request.form, signature)
