import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings

from ivr import create_app
from ivr.tools.phone import Phone

# The property tests hold what is read, not how fast: on a loaded 2-core CI machine one example can take longer than
# hypothesis's default 200 ms deadline, which would fail a correct reading.
settings.register_profile("ivr", deadline=None)
settings.load_profile("ivr")

TOKEN = "test-auth-token-0123456789abcdef"
BEIJING = ZoneInfo("Asia/Shanghai")
# A Monday morning, inside the Beijing line's agent hours.
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)


class Clock:
    """A clock tests can set and move."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(MONDAY_10AM)


@pytest.fixture
def app(tmp_path, clock):
    return create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}",
        "CLOCK": clock,
    })


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def caller(client):
    """A factory of callers: caller() dials the Beijing line, caller(to=...) another one."""

    def make(**options) -> Phone:
        return Phone(client, TOKEN, **options)

    return make
