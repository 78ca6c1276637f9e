"""The menu engine is pure: it steps a state with an event, with no web framework or telephony in sight."""

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

from ivr.content.accounts import load_accounts
from ivr.content.version import load_hotline
from ivr.core.engine import Engine
from ivr.core.events import Keys, Silence
from ivr.core.ports import Attempt, QueueLoad, Registered
from ivr.core.replies import Dial, Gather, Hangup
from ivr.core.state import State
from ivr.storage.passwords import Passwords

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Beijing


class MemoryBackend:
    """Accounts and lockouts in dicts keyed by reference: enough for the engine, no database."""

    def __init__(self):
        self.passwords = Passwords("engine-test-password-key-0123456789")
        accounts = load_accounts(ROOT / "data" / "accounts.yaml", self.passwords)
        self.accounts = {self.reference(a.id_number): a for a in accounts}
        self.failures = {}
        self.locked = {ref for ref, a in self.accounts.items() if a.locked}
        self.mobiles = {}
        # Callers waiting in each agents' queue with its average wait, and the call backs asked for, in order.
        self.queues: dict[str, QueueLoad] = {}
        self.callbacks: list[tuple] = []
        for reference, account in self.accounts.items():
            if account.mobile:
                self.mobiles.setdefault(account.mobile, []).append(reference)

    def reference(self, id_number):
        return self.passwords.reference("id", id_number)

    def registered(self, caller):
        references = self.mobiles.get(caller, [])
        if len(references) != 1:
            return None
        return Registered(references[0], self.accounts[references[0]].id_number[-4:])

    def account(self, reference, records=True):
        account = self.accounts.get(reference)
        return account if account is None or records else dataclasses.replace(account, records=None)

    def is_locked(self, reference):
        return reference in self.locked

    def queue_load(self, queue, now):
        return self.queues.get(queue, QueueLoad(0, 0))

    def request_callback(self, number, line, topic, now, due):
        self.callbacks.append((number, line, topic, now, due))

    def attempt_password(self, reference, keys, caller, now, limit, caller_limit):
        if reference in self.locked:
            return Attempt("locked")
        account = self.accounts.get(reference)
        if account is not None and self.passwords.matches(account.password_hash, account.id_number, keys):
            self.failures.pop(reference, None)
            return Attempt("verified")
        self.failures[reference] = self.failures.get(reference, 0) + 1
        if self.failures[reference] >= limit.attempts:
            self.locked.add(reference)
            return Attempt("locked")
        return Attempt("wrong", limit.attempts - self.failures[reference])


def engine():
    return Engine(load_hotline(ROOT / "prompts", ROOT / "data"), MemoryBackend())


def test_a_whole_call_without_flask():
    e = engine()
    state, reply = e.start("+861012393", NOW)
    assert isinstance(reply.then, Gather) and reply.then.num_digits == 1
    for keys in ["1", "110108195404120012", "222222"]:
        reply = e.step(state, Keys(keys), NOW)
    assert reply.node == "balance"
    said = " ".join(reply.says)
    assert "一千零四元零六分" in said and "二零二六年十一月二十日" in said
    # The amount is the first thing said after the password: what the caller asked for comes first.
    assert "一千零四元零六分" in reply.says[0]
    reply = e.step(state, Keys("0"), NOW)
    assert reply.then == Dial("+861065550100")


def test_state_round_trips_through_a_plain_dict():
    e = engine()
    state, _ = e.start("+862112393", NOW)
    e.step(state, Keys("3"), NOW)
    e.step(state, Keys("2"), NOW)
    e.step(state, Keys("0755"), NOW)
    again = State.from_dict(state.to_dict(), e.hotline)
    assert again == state
    assert again.slots == {"region": "shenzhen", "told": True}


def test_silence_three_times_hangs_up():
    e = engine()
    state, _ = e.start("+861012393", NOW)
    replies = [e.step(state, Silence(), NOW) for _ in range(3)]
    assert [type(r.then) for r in replies] == [Gather, Gather, Hangup]


FRAMEWORKS = ("flask", "werkzeug", "twilio", "sqlalchemy", "redis", "alembic", "prometheus_client", "gunicorn")


def test_the_core_imports_no_framework():
    """A fresh interpreter that imports every module of ivr.core has loaded none of the web, telephony or storage libraries."""
    # Subpackages too (ivr.core.answers and its kinds): every module by its dotted name.
    modules = sorted(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                     for path in (ROOT / "ivr" / "core").rglob("*.py"))
    program = f"import sys, {', '.join(modules)}; print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
    assert {"ivr.core", "ivr.core.engine", "ivr.core.answers", "ivr.core.answers.payments"} <= set(modules)


def test_no_chinese_in_python_source():
    """Every word a caller hears lives in prompts/*.yaml: the package's Python holds none."""
    for path in (ROOT / "ivr").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        assert not cjk, f"{path.relative_to(ROOT)} contains Chinese text: {''.join(cjk[:20])}"
