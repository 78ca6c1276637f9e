"""Text messages after an answer, through signed webhooks and the real twilio client talking to a local server that
answers as Twilio's Messages API does: what is sent, to whom, from where, and what is recorded when Twilio refuses."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from ivr import create_app
from ivr.storage.schema import texts
from ivr.telephony.texting import work
from ivr.web.texts import messages_api
from tests.conftest import TOKEN
from tests.fake_twilio import (
    INVALID_TO,
    SERVER_ERROR,
    TOO_MANY,
    UNSUBSCRIBED,
    FakeMessagesApi,
    FakeTwilioServer,
)
from tests.integration.test_replays import Recorder
from tests.prompts import MESSAGES
from tests.services import redis_url  # noqa: F401  (fixture)

ACCOUNT = "AC" + "5" * 32
RETIREE, RETIREE_PASSWORD, RETIREE_MOBILE = "110101196106080024", "111111", "+8613900000065"
NO_MOBILE, NO_MOBILE_PASSWORD = "310104194809300043", "333333"
LINE = "+861012393"
BALANCE = "1,234.56"


@pytest.fixture
def fake():
    with FakeTwilioServer(FakeMessagesApi(ACCOUNT, TOKEN)) as server:
        yield server


def hotline(tmp_path, clock, api_url: str, redis: tuple[str, str] | None = None):
    """A server sending to `api_url`: from a thread pool, or, with `redis` (URL and prefix), by queueing each text on
    Redis for the `ivr send-texts` worker."""
    url, prefix = redis or ("", "ivr:")
    app = create_app({
        "TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}", "REDIS_URL": url, "IVR_REDIS_PREFIX": prefix,
        "CLOCK": clock,
    })
    if redis is None:
        # Retries at once: the tests look at how many there were, not at the waiting.
        app.extensions["ivr.texts"].backoff = (0, 0, 0)
    return app


@pytest.fixture
def app(tmp_path, clock, fake):
    return hotline(tmp_path, clock, fake.url)


def texted_balance(app, id_number=RETIREE, password=RETIREE_PASSWORD) -> Recorder:
    phone = Recorder(app.test_client(), TOKEN, to=LINE)
    phone.dial()
    phone.press("1")
    phone.press(id_number)
    phone.press(password)
    phone.press("8")
    return phone


def outbox_rows(app, settled: bool = True, timeout: float = 10) -> list:
    """The texts table, once no text is pending or being sent (the sender works in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        with app.extensions["ivr.store"].sql.connect() as conn:
            rows = conn.execute(select(texts).order_by(texts.c.id)).all()
        if not settled or all(row.status not in ("pending", "sending") for row in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


def test_the_key_after_an_answer_texts_the_facts_from_the_line_to_the_registered_mobile(app, fake):
    phone = texted_balance(app)
    tail = app.extensions["ivr.versions"]().script.reader.digits(RETIREE_MOBILE[-4:])
    # Said as being sent, never as sent: the webhook cannot know.
    assert MESSAGES.text_queued.format(tail=tail) in phone.said
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.error_code) == ("sent", 1, None)
    [request] = fake.api.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["form"]["To"] == RETIREE_MOBILE and request["form"]["From"] == LINE
    assert BALANCE in request["form"]["Body"] and RETIREE not in request["form"]["Body"]
    assert row.message_sid.startswith("SM") and row.body == request["form"]["Body"]
    # The outbox keeps the number sealed, never in the clear.
    assert RETIREE_MOBILE not in row.to_sealed and RETIREE_MOBILE[3:] not in row.to_sealed


def test_the_webhook_answers_while_twilio_is_still_thinking(app, fake):
    fake.api.hold = threading.Event()
    started = time.monotonic()
    phone = texted_balance(app)
    assert time.monotonic() - started < 5 and phone.ended is None
    assert [row.status for row in outbox_rows(app, settled=False)] in (["pending"], ["sending"])
    fake.api.hold.set()
    assert [row.status for row in outbox_rows(app)] == ["sent"]


@pytest.mark.parametrize("failure", [INVALID_TO, UNSUBSCRIBED], ids=["21211", "21610"])
def test_a_refusal_that_no_retry_can_change_is_recorded_at_once(app, fake, failure):
    fake.api.fail_next(failure)
    texted_balance(app)
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.error_code, row.message_sid) == ("failed", 1, failure.code, None)
    assert len(fake.api.requests) == 1


def test_too_many_requests_and_server_errors_are_tried_again_until_sent(app, fake):
    fake.api.fail_next(TOO_MANY, SERVER_ERROR)
    texted_balance(app)
    [row] = outbox_rows(app)
    assert (row.status, row.attempts) == ("sent", 3) and row.message_sid.startswith("SM")
    assert [r["status"] for r in fake.api.requests] == [429, 500, 201]


def test_a_server_error_every_time_fails_after_the_last_retry(app, fake):
    fake.api.fail_next(*[SERVER_ERROR] * 4)
    texted_balance(app)
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.error_code) == ("failed", 4, SERVER_ERROR.code)
    assert len(fake.api.requests) == 4


def test_wrong_credentials_fail_without_retry(tmp_path, clock):
    with FakeTwilioServer(FakeMessagesApi(ACCOUNT, "another-token")) as server:
        app = hotline(tmp_path, clock, server.url)
        texted_balance(app)
        [row] = outbox_rows(app)
        assert (row.status, row.attempts, row.error_code) == ("failed", 1, 20003)
        assert len(server.api.requests) == 1


def test_an_unreachable_api_is_tried_again_then_recorded_as_failed(tmp_path, clock):
    with FakeTwilioServer(FakeMessagesApi(ACCOUNT, TOKEN)) as server:
        url = server.url
    app = hotline(tmp_path, clock, url)
    texted_balance(app)
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.error_code) == ("failed", 4, None) and row.error


def test_no_text_without_a_registered_mobile(app, fake):
    phone = texted_balance(app, NO_MOBILE, NO_MOBILE_PASSWORD)
    assert MESSAGES.text_no_mobile in phone.said
    assert outbox_rows(app) == [] and fake.api.requests == []


def test_a_retried_or_replayed_request_sends_no_second_text(app, fake):
    phone = texted_balance(app)
    outbox_rows(app)
    # Twilio retrying the step that asked for the text, with the same signed parameters, and an unsigned copy.
    status, _ = phone.replay(*phone.sent[-1])
    assert status == 200
    unsigned = phone.post(phone.sent[-1][0], phone.sent[-1][1], signature="")
    assert unsigned.status_code == 403
    assert len(outbox_rows(app)) == 1 and len(fake.api.sent) == 1


def test_with_redis_the_worker_sends_what_the_servers_queued(tmp_path, clock, fake, redis_url):
    prefix = redis_url[1]
    app = hotline(tmp_path, clock, fake.url, redis_url)
    store = app.extensions["ivr.store"]
    texted_balance(app)
    # The server only queued it: nothing is sent until the worker runs.
    assert [row.status for row in outbox_rows(app, settled=False)] == ["pending"] and fake.api.requests == []
    assert store.redis.lrange(prefix + "texts", 0, -1) == ["1"]
    passes = iter(range(3))
    sent = work(store.redis, prefix, app.extensions["ivr.outbox"], messages_api(app.config), clock,
                stop=lambda: next(passes, None) is None, wait=1)
    assert sent == 1 and [row.status for row in outbox_rows(app)] == ["sent"]
    assert fake.api.sent[0]["form"]["To"] == RETIREE_MOBILE


def test_a_text_the_queue_lost_is_swept_up_and_sent_once(tmp_path, clock, fake, redis_url):
    prefix = redis_url[1]
    app = hotline(tmp_path, clock, fake.url, redis_url)
    store = app.extensions["ivr.store"]
    texted_balance(app)
    # Redis lost the id (a restart without its file): the outbox row is still pending, and the sweep finds it.
    store.redis.delete(prefix + "texts")
    clock.advance(minutes=2)
    passes = iter(range(2))
    work(store.redis, prefix, app.extensions["ivr.outbox"], messages_api(app.config), clock,
         stop=lambda: next(passes, None) is None, wait=1)
    assert [row.status for row in outbox_rows(app)] == ["sent"] and len(fake.api.sent) == 1


def test_the_simulator_shows_the_text_it_would_send_and_sends_none(tmp_path, clock, fake):
    from tests.integration.test_simulator_api import Browser

    app = hotline(tmp_path, clock, fake.url)
    browser = Browser(app.test_client())
    shown = browser.call(to=LINE)
    for keys in ("1", RETIREE, RETIREE_PASSWORD, "8"):
        shown = browser.press(shown, keys)
    [text] = shown["texts"]
    assert text["status"] == "simulated" and BALANCE in text["body"]
    assert text["to"].endswith(RETIREE_MOBILE[-4:]) and RETIREE_MOBILE[:-4] not in text["to"]
    assert fake.api.requests == []


def test_texts_are_purged_with_the_call_records(app, fake, clock):
    texted_balance(app)
    assert len(outbox_rows(app)) == 1
    clock.advance(days=91)
    app.extensions["ivr.calllog"].purge(clock())
    assert outbox_rows(app) == []
