"""Scripted callers: many concurrent calls posting signed webhooks and following the TwiML they get back."""

from __future__ import annotations

import asyncio
import html
import ipaddress
import itertools
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
    # The steps that check a password, apart: their slow hash is on purpose, and it would hide every other cost.
    password_latencies: list[float] = field(default_factory=list)
    errors: int = 0
    calls: int = 0
    seconds: float = 0.0


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the benchmark only sends traffic to loopback addresses, not {host}")


async def _call(session, base: str, validator: RequestValidator, result: Result, deadline: float) -> None:
    sid = "CA%032x" % next(_sids)
    params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+8613900000000", "To": "+861012393",
              "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}

    async def post(url: str, extra: dict, password: bool = False) -> str:
        url = url if url.startswith("http") else base + url
        data = {**params, **extra}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, data)}
        started = time.perf_counter()
        async with session.post(url, data=data, headers=headers) as response:
            text = await response.text()
            status = response.status
        result.latencies.append(time.perf_counter() - started)
        if password:
            result.password_latencies.append(result.latencies[-1])
        if status >= 300:
            result.errors += 1
        return text

    twiml = await post("/voice", {})
    for keys in SCRIPT:
        if time.monotonic() > deadline:
            return
        match = ACTION.search(twiml)
        if match is None:
            result.errors += 1
            return
        twiml = await post(html.unescape(match[1]), {"Digits": keys.rstrip("#"), "FinishedOnKey": "#" if "#" in keys else ""},
                           password=keys == PASSWORD)
    await post("/voice/status", {"CallStatus": "completed", "CallDuration": "60"})
    result.calls += 1


async def _run(base: str, token: str, callers: int, seconds: float, max_requests: int) -> Result:
    result = Result()
    validator = RequestValidator(token)
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=callers)
    timeout = aiohttp.ClientTimeout(total=15)

    async def caller(session):
        while time.monotonic() < deadline and len(result.latencies) < max_requests:
            await _call(session, base, validator, result, deadline)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(caller(session) for _ in range(callers)))
    result.seconds = time.perf_counter() - started
    return result


def run(base: str, token: str, callers: int, seconds: float, max_requests: int) -> Result:
    """Run `callers` concurrent scripted calls against base for at most `seconds` and `max_requests` requests."""
    check_loopback(base)
    return asyncio.run(_run(base, token, callers, seconds, max_requests))
