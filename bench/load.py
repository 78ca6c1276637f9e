"""Scripted callers: many concurrent calls, each a Phone (ivr.tools.phone) posting signed webhooks over HTTP.

The callers either send each request as soon as they have the last answer (saturated, a closed loop) or together
offer a fixed rate of requests on a schedule (paced, an open loop).
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from ivr.tools.phone import Answer, AsyncTransport, BadAnswer, Phone, PhoneError, Request

from .menus import ENTRY_KEY

# One call: the generated menu and back, balance after identifying, payment records and their next page,
# the retiree's own rebate rule, then Twilio's status callback.
PASSWORD = "111111#"
SCRIPT = (ENTRY_KEY, "9", "1", "110101196106080024#", PASSWORD, "9", "2", "6", "9", "3")


# Open connections to the server at most, whatever the number of calls.
MAX_CONNECTIONS = 64


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    # The steps that check a password, apart, so that the cost of the check shows on its own.
    password_latencies: list[float] = field(default_factory=list)
    errors: int = 0
    calls: int = 0
    seconds: float = 0.0


class Pace:
    """When one caller sends each request, and the time its latency counts from.

    Unpaced, a caller sends as soon as it has the last answer and latency counts from the send. Paced, it sends at
    fixed times `interval` apart, and latency counts from the scheduled time rather than the actual send, as wrk2
    does: a caller still waiting for a late answer sends its next request late, and that wait is part of what the
    server made it suffer (coordinated omission).
    """

    def __init__(self, interval: float = 0.0):
        self.interval = interval
        # A random first send time spreads the callers over the interval, so that they do not send in lockstep.
        self.due = time.perf_counter() + random.uniform(0, interval)

    def next_send(self) -> float:
        """The earliest time the caller's next request can go out."""
        return max(time.perf_counter(), self.due) if self.interval else time.perf_counter()

    async def start(self) -> float:
        """Wait until the next request is due, and return the time its latency counts from."""
        if not self.interval:
            return time.perf_counter()
        scheduled, self.due = self.due, self.due + self.interval
        await asyncio.sleep(scheduled - time.perf_counter())
        return scheduled


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the benchmark only sends traffic to loopback addresses, not {host}")


class Dropped(PhoneError):
    """A refused, reset or timed-out request: the call cannot go on."""


class Line(AsyncTransport):
    """Carries one caller's requests to the server over a shared aiohttp session, timing each on the caller's pace."""

    def __init__(self, session: aiohttp.ClientSession, server: str, result: Result, pace: Pace):
        self.session, self.server, self.result, self.pace = session, server, result, pace
        # Set while the caller keys the password, so that the cost of the check shows on its own.
        self.password = False

    async def send(self, request: Request) -> Answer:
        started = await self.pace.start()
        try:
            async with self.session.post(self.server + request.path, data=request.params,
                                         headers=request.headers) as response:
                # The bytes go to the phone's XML parser as they are: decoding them first would cost time.
                answer = Answer(response.status, await response.read(), response.content_type)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            self.result.errors += 1
            raise Dropped from None
        self.result.latencies.append(time.perf_counter() - started)
        if self.password:
            self.result.password_latencies.append(self.result.latencies[-1])
        if answer.status_code >= 300:
            self.result.errors += 1
        return answer


async def _call(line: Line, base: str, token: str, deadline: float) -> None:
    phone = Phone(line, token, base=base)
    try:
        await phone.dial()
        for keys in SCRIPT:
            if line.pace.next_send() > deadline:
                return
            line.password = keys == PASSWORD
            await phone.press(keys)
        line.password = False
        await phone.post("/voice/status", phone.params(CallStatus="completed", CallDuration="60"))
    except Dropped:
        return
    except BadAnswer as exc:
        # An error status was counted when it came; a 200 that Twilio could not play counts here.
        line.result.errors += int(exc.status_code is None or exc.status_code < 300)
        return
    except PhoneError:
        # The hotline stopped listening for keys before the script was done.
        line.result.errors += 1
        return
    line.result.calls += 1


async def _run(base: str, token: str, callers: int, seconds: float, max_requests: int, rate: float) -> Result:
    result = Result()
    deadline = time.perf_counter() + seconds
    # Calls are not tied to connections (Twilio opens its own for each request), so thousands of calls share a
    # bounded number of them, as many as the servers' threads can serve at once and more.
    connector = aiohttp.TCPConnector(limit=min(callers, MAX_CONNECTIONS))
    timeout = aiohttp.ClientTimeout(total=15)

    async def caller(session):
        line = Line(session, base, result, Pace(callers / rate if rate else 0.0))
        while line.pace.next_send() < deadline and len(result.latencies) < max_requests:
            await _call(line, base, token, deadline)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(caller(session) for _ in range(callers)))
    result.seconds = time.perf_counter() - started
    return result


def run(base: str, token: str, callers: int, seconds: float, max_requests: int, rate: float = 0.0) -> Result:
    """Run `callers` concurrent scripted calls against base for at most `seconds` and `max_requests` requests.

    With a rate, the callers together send `rate` requests per second, each on a schedule of its own.
    """
    check_loopback(base)
    return asyncio.run(_run(base, token, callers, seconds, max_requests, rate))
