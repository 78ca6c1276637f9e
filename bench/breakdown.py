"""python -m bench.breakdown: where a webhook request's time goes, measured inside the app.

The scripted call of `python -m bench` runs through Flask's test client, one request at a time, against the ceiling
app and the hotline; only the time inside the WSGI app counts, so neither a server nor a client is measured. For the
hotline, the time spent in storage (call state, accounts, lockouts, call records, taking and returning the
connection) is timed apart, which shows what the hotline costs with storage taken away: the floor that no storage
tuning can go below.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from ivr.tools.phone import InProcess, Phone

from .load import SCRIPT
from .menus import make_prompts

TOKEN = "bench-auth-token"
BASE = "http://localhost"
# Every storage entry point a webhook step uses; the time inside the outermost one is storage time.
STORE_METHODS = ("held", "transaction", "load_call", "save_call_and_record", "account", "is_locked",
                 "attempt_password", "failures_since", "end_call")


class Timer:
    """The time spent inside wrapped methods, counting only the outermost when they call each other."""

    def __init__(self):
        self.seconds = 0.0
        self._depth = 0
        self._since = 0.0

    def enter(self) -> None:
        if self._depth == 0:
            self._since = time.perf_counter()
        self._depth += 1

    def leave(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._since

    def method(self, method):
        def timed(*args, **kwargs):
            self.enter()
            try:
                return method(*args, **kwargs)
            finally:
                self.leave()

        return timed

    def around(self, factory):
        """A context manager whose entry and exit are timed, but not the block it wraps."""

        @contextmanager
        def timed(*args, **kwargs):
            manager = factory(*args, **kwargs)
            self.enter()
            try:
                manager.__enter__()
            finally:
                self.leave()
            try:
                yield
            except BaseException as exc:
                self.enter()
                try:
                    if not manager.__exit__(type(exc), exc, exc.__traceback__):
                        raise
                finally:
                    self.leave()
            else:
                self.enter()
                try:
                    manager.__exit__(None, None, None)
                finally:
                    self.leave()

        return timed

    def during(self, factory):
        """A context manager timed whole, with the block it wraps."""

        @contextmanager
        def timed(*args, **kwargs):
            self.enter()
            try:
                with factory(*args, **kwargs):
                    yield
            finally:
                self.leave()

        return timed


def time_storage(app) -> Timer:
    timer = Timer()
    store = app.extensions["ivr.store"]
    for name in STORE_METHODS:
        original = getattr(store, name)
        if name == "held":
            # It wraps a whole step, so only its own work counts: taking and returning the connection.
            setattr(store, name, timer.around(original))
        elif name == "transaction":
            # It holds the step's writes, which are all storage.
            setattr(store, name, timer.during(original))
        else:
            setattr(store, name, timer.method(original))
    calllog = app.extensions["ivr.calllog"]
    calllog.finished = timer.method(calllog.finished)
    return timer


def scripted_calls(app, count: int) -> float:
    """Run `count` scripted calls; return the seconds spent inside the WSGI app."""
    transport = InProcess(app.test_client())
    inside = 0.0
    wsgi = app.wsgi_app

    def timed_wsgi(environ, start_response):
        nonlocal inside
        started = time.perf_counter()
        try:
            return list(wsgi(environ, start_response))
        finally:
            inside += time.perf_counter() - started

    app.wsgi_app = timed_wsgi
    for _ in range(count):
        # The phone raises on an answer Twilio could not play or a script step nothing listens for.
        phone = Phone(transport, TOKEN, base=BASE)
        phone.dial()
        for keys in SCRIPT:
            phone.press(keys)
        status = phone.post("/voice/status", phone.params(CallStatus="completed", CallDuration="60")).status_code
        if status >= 300:
            raise RuntimeError(f"the status callback answered {status}")
    app.wsgi_app = wsgi
    return inside


def measure(name: str, app, calls: int, storage: bool) -> dict:
    scripted_calls(app, max(1, calls // 10))  # Warm-up: compiled statements, pools, caches.
    timer = time_storage(app) if storage else None
    seconds = scripted_calls(app, calls)
    requests = calls * (len(SCRIPT) + 2)
    row = {"name": name, "total": seconds / requests * 1e6}
    row["storage"] = timer.seconds / requests * 1e6 if timer else 0.0
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="scripted calls per app")
    parser.add_argument("--nodes", type=int, default=10, help="menu size")
    parser.add_argument("--postgres", default="", help="SQLAlchemy URL of an empty PostgreSQL database to measure too")
    parser.add_argument("--redis", default="", help="Redis URL to use with --postgres")
    args = parser.parse_args(argv)

    from ivr import create_app

    from .ceiling import app as ceiling

    rows = [measure("ceiling (bare Flask)", ceiling, args.calls, storage=False)]
    with tempfile.TemporaryDirectory(prefix="ivr-breakdown-") as tmp:
        # Request log lines at WARNING, as in `python -m bench`.
        settings = {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_PUBLIC_URL": BASE, "IVR_RELOAD_SECONDS": "0", "IVR_LOG_LEVEL": "WARNING",
                    "IVR_PROMPTS": str(make_prompts(Path(tmp) / "prompts", args.nodes))}
        backends = [("SQLite", {"DATABASE_URL": f"sqlite:///{tmp}/breakdown.sqlite", "REDIS_URL": ""})]
        if args.postgres:
            backends.append(("PostgreSQL+Redis", {"DATABASE_URL": args.postgres, "REDIS_URL": args.redis,
                                                  "IVR_REDIS_PREFIX": f"breakdown{time.time_ns()}:"}))
        for label, backend in backends:
            app = create_app({**settings, **backend})
            rows.append(measure(f"hotline, {label}", app, args.calls, storage=True))
            app.extensions["ivr.store"].close()
    print(f"{args.calls} scripted calls of {len(SCRIPT) + 2} requests per app, one request at a time, "
          f"{args.nodes}-node menu; microseconds per request inside the app")
    print("| app | in the app µs | in storage µs | without storage µs |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['name']} | {row['total']:.0f} | {row['storage']:.0f} | {row['total'] - row['storage']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
