"""Scripted callers: many concurrent calls posting signed webhooks and following the TwiML they get back.

The callers either send each request as soon as they have the last answer (saturated, a closed loop) or together
offer a fixed rate of requests on a schedule (paced, an open loop).
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import itertools
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from twilio.request_validator import RequestValidator

from .menus import ENTRY_KEY

ACTION = re.compile(r'<Gather [^>]*action="([^"]+)"')
# One call: the generated menu and back, balance after identifying, payment records and their next page,
# the retiree's own rebate rule, then Twilio's status callback.
PASSWORD = "111111#"
SCRIPT = (ENTRY_KEY, "9", "1", "110101196106080024#", PASSWORD, "9", "2", "1", "9", "3")
_sids = itertools.count(1)


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


async def _call(session, base: str, validator: RequestValidator, result: Result, deadline: float, pace: Pace) -> None:
    sid = "CA%032x" % next(_sids)
    params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+8613900000000", "To": "+861012393",
              "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}

    async def post(url: str, extra: dict, password: bool = False) -> str | None:
        url = url if url.startswith("http") else base + url
        data = {**params, **extra}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, data)}
        started = await pace.start()
        try:
            async with session.post(url, data=data, headers=headers) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            # A refused, reset or timed-out request is an error of the run, and this call cannot go on.
            result.errors += 1
            return None
        result.latencies.append(time.perf_counter() - started)
        if password:
            result.password_latencies.append(result.latencies[-1])
        if status >= 300:
            result.errors += 1
        return text

    twiml = await post("/voice", {})
    for keys in SCRIPT:
        if twiml is None or pace.next_send() > deadline:
            return
        match = ACTION.search(twiml)
        if match is None:
            result.errors += 1
            return
        twiml = await post(html.unescape(match[1]), {"Digits": keys.rstrip("#"), "FinishedOnKey": "#" if "#" in keys else ""},
                           password=keys == PASSWORD)
    if twiml is None:
        return
    await post("/voice/status", {"CallStatus": "completed", "CallDuration": "60"})
    result.calls += 1


async def _run(base: str, token: str, callers: int, seconds: float, max_requests: int, rate: float) -> Result:
    result = Result()
    validator = RequestValidator(token)
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=callers)
    timeout = aiohttp.ClientTimeout(total=15)

    async def caller(session):
        pace = Pace(callers / rate if rate else 0.0)
        while pace.next_send() < deadline and len(result.latencies) < max_requests:
            await _call(session, base, validator, result, deadline, pace)

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
