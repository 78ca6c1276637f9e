"""Sending the outbox's text messages through Twilio's Messages API, in the background.

A webhook never waits for Twilio: the step writes the text to the outbox (ivr.storage.outbox) and hands its id to a
sender. `ThreadSender` sends from a small thread pool in the serving process (the embedded default, no other
service); `RedisSender` puts the id on a Redis list that `ivr send-texts` (`work`) takes from, so that texts are sent
by one worker service however many web processes there are. Either way `deliver` claims the text, tries the API with
backoff where a retry can help (429, 5xx, the network), never where it cannot (400 21211 invalid 'To', 21610
unsubscribed, 401 credentials), and records the result. Ids a queue lost are found again by `sweep`."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ivr.storage.outbox import Outbox, masked

log = logging.getLogger("ivr.texts")

# Seconds before each retry of an attempt that may pass: four attempts in all, over about half a minute.
BACKOFF = (2.0, 8.0, 20.0)
# A text pending this long was not taken by any sender; one claimed this long ago lost its sender.
STRANDED_PENDING = dt.timedelta(minutes=1)
STRANDED_SENDING = dt.timedelta(minutes=10)
# Seconds the Messages API may take to answer one request.
API_TIMEOUT = 10


@dataclass(frozen=True)
class Result:
    """What one request to the Messages API came to: Twilio's message SID, or its error and whether to retry."""

    sid: str | None = None
    code: int | None = None
    error: str = ""
    retry: bool = False


class MessagesApi:
    """Twilio's Messages API for one account, through the twilio package's own client."""

    def __init__(self, account_sid: str, auth_token: str, base_url: str = ""):
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=API_TIMEOUT))
        if base_url:
            # Twilio's API at another address: a regional edge, or a local server that answers as Twilio does.
            self.client.api.base_url = base_url.rstrip("/")

    def send(self, to: str, sender: str, body: str) -> Result:
        try:
            message = self.client.messages.create(to=to, from_=sender, body=body)
        except TwilioRestException as exc:
            retry = exc.status == 429 or exc.status >= 500
            return Result(code=exc.code or exc.status, error=str(exc.msg or "")[:200], retry=retry)
        except (RequestException, TwilioException) as exc:
            # No answer at all (refused, timed out, unreadable): the request may not have arrived, so it is tried again.
            return Result(error=type(exc).__name__, retry=True)
        return Result(sid=message.sid)


def deliver(outbox: Outbox, api: MessagesApi | None, text_id: int, clock: Callable[[], dt.datetime],
            sleep: Callable[[float], None] = time.sleep, backoff: tuple[float, ...] = BACKOFF) -> str | None:
    """Claim one text, send it with retries, record the result; the status it ended in (None if not claimed)."""
    outgoing = outbox.claim(text_id, clock())
    if outgoing is None:
        return None
    if api is None:
        outbox.failed(text_id, None, "no Twilio account is configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)", clock())
        log.warning("text %s to %s not sent: no Twilio account is configured", text_id, masked(outgoing.to))
        return "failed"
    for attempt in range(len(backoff) + 1):
        result = api.send(outgoing.to, outgoing.sender, outgoing.body)
        if result.sid is not None:
            outbox.sent(text_id, result.sid, clock())
            log.info("text %s to %s accepted by Twilio as %s", text_id, masked(outgoing.to), result.sid)
            return "sent"
        if not result.retry or attempt == len(backoff):
            outbox.failed(text_id, result.code, result.error, clock())
            log.warning("text %s to %s failed: %s %s", text_id, masked(outgoing.to), result.code, result.error)
            return "failed"
        outbox.retrying(text_id, result.code, result.error, clock())
        sleep(backoff[attempt])
    return None  # pragma: no cover (the loop always returns)


class ThreadSender:
    """Sends from a thread pool in this process: the embedded default, with nothing else to run."""

    def __init__(self, outbox: Outbox, api: MessagesApi | None, clock: Callable[[], dt.datetime], workers: int = 2):
        self.outbox, self.api, self.clock = outbox, api, clock
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ivr-texts")
        self.backoff = BACKOFF

    def notify(self, text_id: int):
        return self.pool.submit(self._deliver, text_id)

    def _deliver(self, text_id: int) -> str | None:
        try:
            return deliver(self.outbox, self.api, text_id, self.clock, backoff=self.backoff)
        except Exception:
            # The text stays pending or claimed in the outbox, and the next sweep takes it again.
            log.exception("text %s: sending failed", text_id)
            return None

    def sweep(self) -> list:
        return [self.notify(text_id) for text_id in
                self.outbox.stranded(self.clock(), STRANDED_PENDING, STRANDED_SENDING)]


class RedisSender:
    """Puts each text's id on a Redis list; `work` (the `ivr send-texts` worker) takes them off and sends them."""

    def __init__(self, redis, prefix: str):
        self.redis = redis
        self.key = prefix + "texts"

    def notify(self, text_id: int) -> None:
        try:
            self.redis.rpush(self.key, text_id)
        except Exception as exc:
            # The text is in the outbox all the same; the worker's sweep finds it within a minute or two.
            log.warning("text %s not queued (%s); the worker's sweep will send it", text_id, exc)


def work(redis, prefix: str, outbox: Outbox, api: MessagesApi | None, clock: Callable[[], dt.datetime],
         stop: Callable[[], bool] = lambda: False, wait: int = 5) -> int:
    """Send the texts queued on Redis until `stop()`; every pass also sweeps up stranded ones. How many were sent."""
    key, done, swept = prefix + "texts", 0, None
    while not stop():
        if swept is None or clock() - swept >= STRANDED_PENDING:
            ids, swept = outbox.stranded(clock(), STRANDED_PENDING, STRANDED_SENDING), clock()
        else:
            popped = redis.blpop([key], timeout=wait)
            ids = [int(popped[1])] if popped and str(popped[1]).isdigit() else []
        done += sum(deliver(outbox, api, text_id, clock) == "sent" for text_id in ids)
    return done
