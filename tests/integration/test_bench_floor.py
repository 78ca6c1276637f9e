"""The benchmark's floor (bench/floor.py) does the work it stands for: a floor that skipped the signature or kept its
state in one process would make the hotline look further from what is possible than it is."""

from __future__ import annotations

import sqlite3
import uuid
from urllib.parse import urlencode

import psycopg
import pytest
import redis
from twilio.request_validator import RequestValidator

from bench import floor
from bench.ceiling import TWIML
from tests.services import postgres_url, redis_url  # noqa: F401  (fixtures)

TOKEN = "floor-test-token"
URL = "http://localhost/voice/step?seq=1"


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)


def post(app, params: dict, signature: str | None = None):
    signature = RequestValidator(TOKEN).compute_signature(URL, params) if signature is None else signature
    return app.test_client().post("/voice/step?seq=1", data=urlencode(params), headers={
        "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})


def call(digits: str, sid: str = "CA" + "1" * 32) -> dict:
    return {"CallSid": sid, "From": "+8613900000000", "Digits": digits}


@pytest.mark.parametrize("kind", ["signed", "sqlite"])
def test_a_floor_refuses_what_twilio_did_not_sign(kind, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOOR_SQLITE", str(tmp_path / "floor.sqlite"))
    app = floor.create_app(kind)
    assert post(app, call("5"), signature="").status_code == 403
    assert post(app, call("5"), signature=RequestValidator(TOKEN).compute_signature(URL, call("6"))).status_code == 403
    answered = post(app, call("5"))
    assert answered.status_code == 200 and answered.get_data(as_text=True) == TWIML


def test_the_sqlite_floor_shares_state_and_records_between_processes_and_counts_passwords(monkeypatch, tmp_path,
                                                                                         request):
    path = tmp_path / "floor.sqlite"
    monkeypatch.setenv("FLOOR_SQLITE", str(path))
    # Two apps stand for two workers: each step may go to either.
    first, second = floor.create_app("sqlite"), floor.create_app("sqlite")
    for app, digits in ((first, "5"), (second, "9"), (first, "222222")):
        assert post(app, call(digits)).status_code == 200
    conn = sqlite3.connect(path)
    request.addfinalizer(conn.close)
    state = conn.execute("SELECT state FROM states").fetchone()[0]
    assert '"seq": 3' in state
    assert [row[0] for row in conn.execute("SELECT record FROM steps ORDER BY id")][-1].endswith('"menu", "222222"]')
    assert dict(conn.execute("SELECT subject, failures FROM floor_attempts")) == {"id:floor": 1,
                                                                                 "caller:+8613900000000": 1}
    assert post(second, call("111111")).status_code == 200
    assert dict(conn.execute("SELECT subject, failures FROM floor_attempts")) == {"caller:+8613900000000": 2}


def test_the_redis_floor_shares_state_and_counts_passwords_in_postgres(monkeypatch, redis_url, postgres_url):  # noqa: F811
    url, prefix = redis_url
    monkeypatch.setenv("FLOOR_REDIS", url)
    monkeypatch.setenv("FLOOR_REDIS_PREFIX", prefix)
    monkeypatch.setenv("FLOOR_POSTGRES", postgres_url)
    first, second = floor.create_app("redis"), floor.create_app("redis")
    sid = "CA" + uuid.uuid4().hex
    try:
        for app, digits in ((first, "5"), (second, "222222")):
            assert post(app, call(digits, sid)).status_code == 200
        client = redis.Redis.from_url(url, decode_responses=True)
        assert '"seq": 2' in client.get(prefix + sid)
        assert len(client.lrange(prefix + "steps", 0, -1)) == 2
        with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            assert dict(conn.execute("SELECT subject, failures FROM floor_attempts").fetchall()) == {
                "id:floor": 1, "caller:+8613900000000": 1}
            assert post(first, call("111111", sid)).status_code == 200
            assert dict(conn.execute("SELECT subject, failures FROM floor_attempts").fetchall()) == {
                "caller:+8613900000000": 2}
        client.close()
    finally:
        for app in (first, second):
            app.extensions["floor_store"].close()
