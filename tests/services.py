"""The real PostgreSQL and Redis for tests: a fresh database and a fresh key prefix per test, or a skip that says why.

TEST_DATABASE_URL (postgresql+psycopg://postgres@127.0.0.1:5432/test) and TEST_REDIS_URL (redis://127.0.0.1:6379/0)
name the servers. Where one is absent the test is skipped with the reason, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

DATABASE_HINT = "set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run it"
REDIS_HINT = "set TEST_REDIS_URL=redis://127.0.0.1:6379/0 to run it"


def absent(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs {what}")
    pytest.skip(what)


@pytest.fixture
def postgres_url():
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        absent(f"PostgreSQL: no TEST_DATABASE_URL; {DATABASE_HINT}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"ivr_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        absent(f"PostgreSQL at TEST_DATABASE_URL is unreachable ({type(exc.orig).__name__}); {DATABASE_HINT}")
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url():
    """(URL, key prefix) of the real Redis; every key under the prefix is deleted after the test."""
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        absent(f"Redis: no TEST_REDIS_URL; {REDIS_HINT}")
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        client.close()
        absent(f"Redis at TEST_REDIS_URL is unreachable ({exc}); {REDIS_HINT}")
    prefix = f"ivr-test:{uuid.uuid4().hex[:16]}:"
    try:
        yield url, prefix
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


def redis_values(client: redis.Redis, key: str) -> list[str]:
    """What a key holds, as text: a call's state (a string), or the step records waiting to be moved to SQL (a list)."""
    if client.type(key) == "list":
        return client.lrange(key, 0, -1)
    return [client.get(key) or ""]


def redis_keys(url: str, prefix: str) -> dict[str, int]:
    """Every key under the prefix with its remaining time to live in seconds (-1: never expires)."""
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return {key: client.ttl(key) for key in client.scan_iter(match=prefix + "*")}
    finally:
        client.close()


# The two ways the hotline stores what callers do, as a fixture's params: every test using `on_each_backend` runs twice.
BACKENDS = ["sqlite", "postgres+redis"]


def on_each_backend(request, tmp_path, config: dict):
    """An app with `config` on SQLite or on PostgreSQL+Redis (request.param, one of BACKENDS), closed afterwards."""
    from ivr import create_app

    config = {**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}"}
    if request.param == "postgres+redis":
        url, prefix = request.getfixturevalue("redis_url")
        config.update(DATABASE_URL=request.getfixturevalue("postgres_url"), REDIS_URL=url, IVR_REDIS_PREFIX=prefix)
    app = create_app(config)
    yield app
    app.extensions["ivr.store"].close()
