"""The pages people open: security headers, cookies, form tokens, login limits, and what production keeps shut."""

from __future__ import annotations

import base64
import re

import pytest

from ivr import create_app
from tests.conftest import TOKEN
from tests.services import redis_url  # noqa: F401  (fixture)

KEY = "k" * 32
PRODUCTION = {"IVR_ENV": "production", "IVR_PUBLIC_URL": "https://hotline.example.org", "IVR_SECRET_KEY": "s" * 32,
              "IVR_PASSWORD_KEY": KEY}


def make_app(tmp_path, **config):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}",
                       **config})


def basic(password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"operator:{password}".encode()).decode()}


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def page_token(html: str) -> str:
    return re.search(r'"token": "([^"]+)"', html).group(1)


def test_pages_send_the_security_headers(tmp_path):
    client = make_app(tmp_path).test_client()
    for path in ("/simulator", "/map"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers


def test_the_map_lets_only_its_own_style_through(tmp_path):
    response = make_app(tmp_path).test_client().get("/map")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    assert f'<style nonce="{nonce}">' in html
    assert " style=" not in html


def test_over_https_pages_send_hsts_and_secure_cookies(tmp_path):
    app = make_app(tmp_path, **PRODUCTION, IVR_SIMULATOR_PASSWORD="s3cret")
    response = app.test_client().get("/simulator")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_http_the_session_cookie_is_httponly_and_samesite(tmp_path):
    cookie = make_app(tmp_path).test_client().get("/simulator").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_login_form_needs_its_token(tmp_path):
    client = make_app(tmp_path, IVR_SIMULATOR_PASSWORD="s3cret").test_client()
    html = client.get("/simulator").get_data(as_text=True)
    assert client.post("/simulator/login", data={"password": "s3cret"}).status_code == 400
    assert client.post("/simulator/login", data={"password": "s3cret", "csrf_token": "forged"}).status_code == 400
    assert client.post("/simulator/login", data={"password": "s3cret", "csrf_token": form_token(html)}).status_code == 302


def test_the_simulator_login_is_rate_limited_per_client(tmp_path):
    app = make_app(tmp_path, IVR_SIMULATOR_PASSWORD="s3cret")
    client = app.test_client()
    token = form_token(client.get("/simulator").get_data(as_text=True))
    statuses = [client.post("/simulator/login", data={"password": f"guess{n}", "csrf_token": token}).status_code
                for n in range(12)]
    assert statuses == [403] * 10 + [429] * 2
    # The right password from the same client must wait too, or the limit would only slow an attacker down.
    assert client.post("/simulator/login", data={"password": "s3cret", "csrf_token": token}).status_code == 429
    other = app.test_client()
    other_token = form_token(other.get("/simulator", environ_base={"REMOTE_ADDR": "192.0.2.7"}).get_data(as_text=True))
    assert other.post("/simulator/login", data={"password": "s3cret", "csrf_token": other_token},
                      environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 302


def test_the_operator_login_is_rate_limited(tmp_path):
    client = make_app(tmp_path, IVR_OPERATOR_PASSWORD="op-pass").test_client()
    statuses = [client.get("/operator", headers=basic(f"guess{n}")).status_code for n in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    assert client.get("/map", headers=basic("op-pass")).status_code == 429


def test_the_right_operator_password_does_not_use_up_the_limit(tmp_path):
    client = make_app(tmp_path, IVR_OPERATOR_PASSWORD="op-pass").test_client()
    assert all(client.get("/operator", headers=basic("op-pass")).status_code == 200 for _ in range(15))


def test_login_limits_hold_across_processes_sharing_redis(tmp_path, redis_url):
    url, prefix = redis_url
    shared = {"REDIS_URL": url, "IVR_REDIS_PREFIX": prefix, "IVR_OPERATOR_PASSWORD": "op-pass"}
    first = make_app(tmp_path / "a", **shared).test_client()
    second = make_app(tmp_path / "b", **shared).test_client()
    for n in range(5):
        assert first.get("/operator", headers=basic(f"a{n}")).status_code == 401
        assert second.get("/operator", headers=basic(f"b{n}")).status_code == 401
    assert first.get("/operator", headers=basic("a5")).status_code == 429
    assert second.get("/operator", headers=basic("op-pass")).status_code == 429


def test_in_production_the_simulator_is_off_without_its_password(tmp_path):
    client = make_app(tmp_path, **PRODUCTION, IVR_SIMULATOR="1").test_client()
    assert client.get("/simulator").status_code == 404
    assert client.post("/simulator/call", data={"To": "+861012393", "From": "+8613900000000"}).status_code == 404


def test_in_production_the_simulator_asks_for_its_password(tmp_path):
    client = make_app(tmp_path, **PRODUCTION, IVR_SIMULATOR_PASSWORD="s3cret").test_client()
    html = client.get("/simulator").get_data(as_text=True)
    assert 'type="password"' in html and '"token"' not in html


def test_the_map_is_behind_the_operator_login(tmp_path):
    client = make_app(tmp_path, IVR_OPERATOR_PASSWORD="op-pass").test_client()
    assert client.get("/map").status_code == 401
    assert client.get("/map/status.json").status_code == 401
    assert client.get("/map", headers=basic("op-pass")).status_code == 200
    assert make_app(tmp_path / "prod", **PRODUCTION).test_client().get("/map").status_code == 404


def test_processes_without_a_secret_key_accept_each_others_sessions(tmp_path):
    """Two server processes sharing the instance folder (gunicorn's workers): a page from one steps on the other."""
    shared = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite'}", "IVR_PASSWORD_KEY": KEY, "IVR_SECRET_KEY": ""}
    first = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, **shared})
    second = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, **shared})
    browser = first.test_client()
    token = page_token(browser.get("/simulator").get_data(as_text=True))
    cookie = browser.get_cookie("session").value
    other = second.test_client()
    other.set_cookie("session", cookie)
    answer = other.post("/simulator/call", data={"To": "+861012393", "From": "+8613900000000"},
                        headers={"X-Simulator-Token": token})
    assert answer.status_code == 200 and answer.get_json()["node"] == "main"


@pytest.mark.parametrize("path", ["/voice", "/voice/status"])
def test_the_webhooks_need_no_form_token(tmp_path, path):
    from ivr.tools.phone import Phone

    call = Phone(make_app(tmp_path).test_client(), TOKEN)
    assert call.post(path, call.params(CallStatus="completed")).status_code in (200, 204)
