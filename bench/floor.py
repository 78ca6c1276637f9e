"""The floor under the hotline: the least any webhook with its guarantees does for a key press, on the ceiling's stack.

The ceiling (bench/ceiling.py) answers without reading the request. A webhook that keeps the hotline's guarantees
must at least:

1. check the X-Twilio-Signature over the URL and every parameter, with the hotline's own check
   (ivr.telephony.signatures.signed: twilio's validator, the URL as it is first);
2. read the call's state and write it back together with the step's record, where every process sees both and a
   killed process loses neither: one SQLite transaction, or one GET and one script (SET and RPUSH) on Redis;
3. for a password (here: six digits keyed), count the attempt under the ID's limit and the calling number's before
   comparing the keyed hash, and clear the ID's count when it matches, in one transaction of the database that keeps
   lockouts (SQLite, or PostgreSQL beside Redis), since a count must survive a restart of Redis.

These apps do that and nothing else: no menu, no engine, no TwiML beyond the ceiling's constant document, no log or
metrics. What they cost beyond the ceiling, measured in the same run by `python -m bench.steps`, is what no design of
the hotline takes away under this server and framework; what the hotline costs beyond them is its own work.

`create_app(kind)`: kind "signed" (1 only), "sqlite" (1 to 3 on the SQLite file FLOOR_SQLITE) or "redis" (1 and 2 on
the Redis at FLOOR_REDIS, keys under FLOOR_REDIS_PREFIX, 3 on the PostgreSQL at FLOOR_POSTGRES, a libpq URL). The auth
token is TWILIO_AUTH_TOKEN, as for the hotline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
import time
from functools import partial

import psycopg
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from ivr.telephony.signatures import signed

from .ceiling import TWIML

KINDS = ("signed", "sqlite", "redis")
# About the size of a hotline call's state in the middle of a call: the node, the path back, the call's facts.
FIRST_STATE = {"node": "main", "back": ["welcome"] * 6, "retries": 0, "language": "cmn-CN", "seq": 0,
               "facts": {"region": "beijing", "identified": False}, "padding": "x" * 900}
PASSWORD_KEY = b"floor-password-key"
# The hash of the one account's PIN (111111, as bench.steps keys it), keyed as the hotline keys its hashes.
ACCOUNT_HASH = hmac.new(PASSWORD_KEY, b"111111", hashlib.sha256).hexdigest()
ATTEMPTS_TABLE = "CREATE TABLE IF NOT EXISTS floor_attempts (subject TEXT PRIMARY KEY, failures INTEGER NOT NULL)"
COUNT_ATTEMPT = ("INSERT INTO floor_attempts VALUES (?, 1) ON CONFLICT (subject) DO UPDATE "
                 "SET failures = floor_attempts.failures + 1 RETURNING failures")
CLEAR_ATTEMPTS = "DELETE FROM floor_attempts WHERE subject = ?"
ATTEMPTS_ALLOWED = 1_000_000
SAVE_ON_REDIS = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', 3600)
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
"""


def create_app(kind: str) -> Flask:
    if kind not in KINDS:
        raise ValueError(f"kind is one of {', '.join(KINDS)}")
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    store = {"signed": lambda: None, "sqlite": lambda: SqliteFloor(os.environ["FLOOR_SQLITE"]),
             "redis": lambda: RedisFloor(os.environ["FLOOR_REDIS"], os.environ["FLOOR_POSTGRES"])}[kind]()

    app.extensions["floor_store"] = store

    @app.post("/voice")
    @app.post("/voice/step")
    def webhook():
        # The hotline's own check, on the URL this server saw (the floor has no public URL setting).
        if not signed(validator, request.url, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        if store is not None:
            store.step(request.form["CallSid"], request.form.get("From", ""), request.form.get("Digits", ""))
        return Response(TWIML, mimetype="text/xml")

    @app.get("/metrics")
    def metrics():
        return Response("", mimetype="text/plain")

    return app


def is_password(digits: str) -> bool:
    return len(digits) == 6 and digits.isdigit()


def check_password(execute, caller: str, digits: str) -> bool:
    """Count the attempt under both limits, then compare; a match clears the ID's count. `execute(sql, values)`
    runs a statement in the caller's transaction and returns its first row."""
    counts = [execute(COUNT_ATTEMPT, (subject,))[0] for subject in ("id:floor", f"caller:{caller}")]
    if max(counts) > ATTEMPTS_ALLOWED:
        return False
    matches = hmac.compare_digest(hmac.new(PASSWORD_KEY, digits.encode(), hashlib.sha256).hexdigest(), ACCOUNT_HASH)
    if matches:
        execute(CLEAR_ATTEMPTS, ("id:floor",))
    return matches


def next_state(saved: str | bytes | None, digits: str) -> tuple[str, str]:
    """The state to store and the step's record: the state read back, one step further."""
    state = json.loads(saved) if saved else dict(FIRST_STATE)
    state["seq"] += 1
    return json.dumps(state, sort_keys=True), json.dumps([time.time(), state["seq"], "menu", digits])


def close_thread_connection(local: threading.local) -> None:
    """Close the database connection this thread holds in `local.conn`, if it opened one."""
    conn = getattr(local, "conn", None)
    if conn is not None:
        conn.close()
        local.conn = None


class SqliteFloor:
    """One connection per thread, as a pool hands them out; WAL and synchronous=NORMAL, as the hotline's SQLite."""

    def __init__(self, path: str):
        self.path = path
        self.local = threading.local()
        with self._connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS states (call_sid TEXT PRIMARY KEY, state TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS steps (id INTEGER PRIMARY KEY, call_sid TEXT NOT NULL, "
                         "record TEXT NOT NULL)")
            conn.execute(ATTEMPTS_TABLE)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=NORMAL"):
                conn.execute(f"PRAGMA {pragma}")
            self.local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (the workers' connections end with their processes)."""
        close_thread_connection(self.local)

    def step(self, call_sid: str, caller: str, digits: str) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if is_password(digits):
                check_password(lambda sql, values: conn.execute(sql, values).fetchone(), caller, digits)
            row = conn.execute("SELECT state FROM states WHERE call_sid = ?", (call_sid,)).fetchone()
            state, record = next_state(row[0] if row else None, digits)
            conn.execute("INSERT INTO states VALUES (?, ?) ON CONFLICT (call_sid) DO UPDATE SET state = excluded.state",
                         (call_sid, state))
            conn.execute("INSERT INTO steps (call_sid, record) VALUES (?, ?)", (call_sid, record))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def run_on_postgres(conn: psycopg.Connection, sql: str, values: tuple) -> tuple | None:
    cursor = conn.execute(sql.replace("?", "%s"), values)
    return cursor.fetchone() if cursor.description else None


class RedisFloor:
    """The state read with GET, then the state and the record written by one script, as the hotline does on Redis;
    a password's attempt counted in one PostgreSQL transaction before."""

    def __init__(self, url: str, postgres: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.postgres = postgres.replace("postgresql+psycopg://", "postgresql://", 1)
        self.local = threading.local()
        with self._sql() as transaction:
            # Both workers start at once, and two CREATE TABLE IF NOT EXISTS at the same moment can both try to
            # create it; a transaction-scoped lock makes the second wait and then find the table there.
            transaction.connection.execute("SELECT pg_advisory_xact_lock(hashtext('floor_attempts'))")
            transaction.connection.execute(ATTEMPTS_TABLE)
        self.save = self.client.register_script(SAVE_ON_REDIS)
        # Every worker uses the same keys: any process may serve the next step of a call.
        self.prefix = os.environ.get("FLOOR_REDIS_PREFIX", "floor:")

    def _sql(self):
        """This thread's PostgreSQL connection, as a transaction: committed when the block ends, rolled back on error."""
        conn = getattr(self.local, "conn", None)
        if conn is None or conn.closed:
            conn = self.local.conn = psycopg.connect(self.postgres, autocommit=True)
        return conn.transaction()

    def close(self) -> None:
        """Close this thread's connections (the workers' connections end with their processes)."""
        close_thread_connection(self.local)
        self.client.close()

    def step(self, call_sid: str, caller: str, digits: str) -> None:
        if is_password(digits):
            with self._sql() as transaction:
                check_password(partial(run_on_postgres, transaction.connection), caller, digits)
        key = self.prefix + call_sid
        state, record = next_state(self.client.get(key), digits)
        self.save(keys=[key, self.prefix + "steps"], args=[state, record])
