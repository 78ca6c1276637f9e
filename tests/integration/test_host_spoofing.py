"""Behind the proxy, a signature is checked against the hotline's own URL, never against a host the client names."""

from __future__ import annotations

import pytest

from ivr import create_app
from ivr.config import ConfigError
from ivr.tools.phone import Answer, Phone, Transport
from tests.conftest import TOKEN

PUBLIC = "https://hotline.example.org"
ATTACKER = "https://attacker.example"


class ForwardedClient(Transport):
    """A test client behind the proxy: every request carries the forwarded headers given here."""

    def __init__(self, client, **headers: str):
        self.client = client
        self.headers = headers

    def send(self, request):
        response = self.client.post(request.path, data=request.params, headers={**self.headers, **request.headers})
        return Answer(response.status_code, response.get_data(as_text=True), response.mimetype)


def proxied_app(tmp_path, **settings):
    return create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "IVR_TRUST_PROXY": "1",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}", **settings})


def spoofed_caller(app) -> Phone:
    """A request signed with the right token for the attacker's host, which it names in X-Forwarded-Host."""
    client = ForwardedClient(app.test_client(), **{"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"})
    return Phone(client, TOKEN, base=ATTACKER)


def test_a_request_signed_for_another_host_is_refused(tmp_path):
    app = proxied_app(tmp_path, IVR_PUBLIC_URL=PUBLIC)
    call = spoofed_caller(app)
    assert call.post("/voice", call.params()).status_code == 403
    honest = Phone(ForwardedClient(app.test_client(), **{"X-Forwarded-Host": "hotline.example.org"}), TOKEN, base=PUBLIC)
    assert honest.post("/voice", honest.params()).status_code == 200


def test_with_trusted_hosts_another_host_is_refused_before_the_signature_is_read(tmp_path):
    app = proxied_app(tmp_path, IVR_TRUSTED_HOSTS="hotline.example.org, backup.example.org")
    call = spoofed_caller(app)
    assert call.post("/voice", call.params()).status_code == 400
    for host in ("hotline.example.org", "backup.example.org"):
        honest = Phone(ForwardedClient(app.test_client(), **{"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"}),
                        TOKEN, base=f"https://{host}")
        assert honest.post("/voice", honest.params()).status_code == 200


@pytest.mark.parametrize("env", ["development", "production"])
def test_trusting_the_proxy_without_a_public_url_or_host_list_does_not_start(tmp_path, env):
    """The compose default used to be this: IVR_PUBLIC_URL empty with IVR_TRUST_PROXY=1."""
    with pytest.raises(ConfigError, match="IVR_PUBLIC_URL .* or IVR_TRUSTED_HOSTS"):
        proxied_app(tmp_path, IVR_ENV=env, IVR_PUBLIC_URL="", IVR_SECRET_KEY="s" * 32, IVR_PASSWORD_KEY="p" * 32)


def test_nginx_sets_the_forwarded_headers_itself():
    from pathlib import Path

    conf = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    forwarded = dict(line.split()[1:3] for line in conf.splitlines() if line.strip().startswith("proxy_set_header X-Forwarded"))
    assert forwarded == {"X-Forwarded-For": "$remote_addr;", "X-Forwarded-Proto": "$scheme;", "X-Forwarded-Host": "$host;"}
