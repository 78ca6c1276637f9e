"""Faults and attacks: a bounded fuzz of signed requests, replays, and PostgreSQL and Redis restarted mid-call."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.tools.phone import Answer, InProcess, Phone
from tests.conftest import TOKEN
from tests.integration.test_health import make_app, messages, said_prompt
from tests.servers import Postgres, Redis

ID_NUMBER, PASSWORD = "110101196106080024#", "111111#"
FUZZ_REQUESTS = int(os.environ.get("IVR_FUZZ_REQUESTS", "20000"))
VERBS = {"Say", "Gather", "Redirect", "Dial", "Hangup"}


def answer_of(response) -> Answer:
    """A Flask test response as the phone reads an answer."""
    return Answer(response.status_code, response.get_data(as_text=True), response.mimetype)


class Fuzzer:
    """Signed requests of every shape Twilio never sends, mixed with real callers and replays of their requests."""

    def __init__(self, client, seed: int):
        self.client = client
        self.rng = random.Random(seed)
        self.validator = RequestValidator(TOKEN)
        self.transport = InProcess(client)
        self.callers: list[Phone] = []
        self.captured: list[tuple[str, dict]] = []
        self.slowest = 0.0
        self.statuses: dict[int, int] = {}

    def send(self, path: str, params: dict):
        signature = self.validator.compute_signature("http://localhost" + path, params)
        started = time.perf_counter()
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        self.slowest = max(self.slowest, time.perf_counter() - started)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (path, params, response.get_data(as_text=True)[:300])
        if response.status_code == 200:
            root = ET.fromstring(response.get_data(as_text=True))
            assert root.tag == "Response" and {verb.tag for verb in root} <= VERBS, response.get_data(as_text=True)
        return response

    def text(self, longest: int) -> str:
        alphabet = "0123456789*#abcXYZ 你好🙂<>&\"'%\x00\n;=" if self.rng.random() < 0.5 else "0123456789*#"
        return "".join(self.rng.choices(alphabet, k=self.rng.randint(0, longest)))

    def sid(self) -> str:
        roll = self.rng.random()
        if roll < 0.6 and self.callers:
            return self.rng.choice(self.callers).call_sid
        if roll < 0.8:
            return f"CA{self.rng.getrandbits(128):032x}"
        return self.text(80)

    def garbage(self) -> None:
        seq = self.rng.choice([str(self.rng.randint(0, 12)), "", "-1", "9" * 40, self.text(30)])
        event = self.rng.choice([None, "silence", "dial", "outage", self.text(12)])
        query = "&".join(f"{k}={v}" for k, v in (("seq", seq), ("event", event)) if v is not None and v.isalnum())
        params = {"CallSid": self.sid(), "To": self.rng.choice(["+861012393", "+862112393", self.text(70)]),
                  "From": self.text(20), "Digits": self.text(self.rng.choice([3, 40, 3000])),
                  "DialCallStatus": self.rng.choice(["completed", "busy", self.text(10)]), "CallStatus": "in-progress"}
        for name in self.rng.sample(sorted(params), self.rng.randint(0, 3)):
            del params[name]
        route = self.rng.choice(["/voice/step", "/voice/step", "/voice", "/voice/status"])
        self.send(route + (f"?{query}" if query and route == "/voice/step" else ""), params)

    def caller_step(self) -> None:
        live = [c for c in self.callers if not c.hung_up and c.dialled is None]
        if len(live) < 5 or self.rng.random() < 0.05:
            caller = Phone(self.transport, TOKEN)
            self.callers.append(caller)
            caller.follow(answer_of(self.send("/voice", caller.params())))
            return
        caller = self.rng.choice(live)
        url = caller.after_gather if self.rng.random() < 0.15 else caller.gather["action"]
        keys = self.rng.choice(["1", "2", "3", "9", "*", "#", "5", ID_NUMBER[:-1], PASSWORD[:-1], "0"])
        params = caller.params() if url == caller.after_gather else caller.params(Digits=keys)
        path = url.removeprefix("http://localhost")
        self.captured.append((path, params))
        caller.follow(answer_of(self.send(path, params)))

    def replay(self) -> None:
        if not self.captured:
            return self.garbage()
        self.send(*self.rng.choice(self.captured))
        return None

    def run(self, count: int) -> None:
        for _ in range(count):
            roll = self.rng.random()
            if roll < 0.5:
                self.garbage()
            elif roll < 0.85:
                self.caller_step()
            else:
                self.replay()


def test_a_bounded_fuzz_of_signed_requests_gets_no_5xx_only_twiml_and_nothing_slow(tmp_path, clock):
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CLOCK": clock,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}"})
    fuzzer = Fuzzer(app.test_client(), seed=11)
    fuzzer.run(FUZZ_REQUESTS)
    assert sum(fuzzer.statuses.values()) >= FUZZ_REQUESTS
    assert fuzzer.slowest < 1.0, fuzzer.slowest
    # The fuzz reached the calls: real callers were answered, and garbage was refused with a 4xx as well as answered.
    assert fuzzer.statuses.get(200, 0) > FUZZ_REQUESTS // 2 and fuzzer.statuses.get(400, 0) > 0


@pytest.fixture
def private_folder():
    """A folder the postgres user can reach too (pytest's own temporary folders are private to this user)."""
    folder = Path(tempfile.mkdtemp(prefix="ivr-faults-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_postgres_restarted_mid_call_the_caller_hears_the_apology_then_goes_on(private_folder, clock):
    database = Postgres(private_folder).init()
    app = None
    try:
        app = make_app(clock, database.url)
        call = Phone(app.test_client(), TOKEN)
        call.dial()
        call.press("1")
        database.stop()
        assert call.press(ID_NUMBER) == [messages(app).outage]
        database.start()
        # The caller's place was kept: any key says the ID prompt again, and the call goes on to the balance.
        call.press("5")
        assert said_prompt(app, "ask_id") in call.said
        call.press(ID_NUMBER)
        call.press(PASSWORD)
        assert "一千二百三十四元五角六分" in call.said
    finally:
        if app is not None:
            app.extensions["ivr.store"].close()
        database.discard()


def test_redis_crashed_mid_call_the_call_keeps_its_place(tmp_path, clock):
    cache = Redis(tmp_path).start()
    app = make_app(clock, f"sqlite:///{tmp_path / 'ivr.sqlite'}", cache.url, "ivr-faults:")
    try:
        call = Phone(app.test_client(), TOKEN)
        call.dial()
        call.press("3")
        cache.kill()
        assert call.press("1") == [messages(app).outage]
        cache.start()
        call.press("5")
        assert said_prompt(app, "rebate_where") in call.said
        assert messages(app).restarted not in call.said
        call.press("1")
        assert "北京" in call.said and call.gather is not None
    finally:
        app.extensions["ivr.store"].close()
        cache.kill()
