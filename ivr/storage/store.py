"""The data layer: accounts, locks and password counters in SQL (SQLite by default, PostgreSQL when DATABASE_URL says
so); call state in Redis when REDIS_URL is set, else in the same SQL database.

Outside the accounts table, an ID number is never stored: locks, counters and call state refer to it by a keyed hash
(`reference`), and a calling number likewise."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from sqlalchemy import (
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import exc as sql_errors
from sqlalchemy.engine import Engine

from ivr.core.accounts import Account, Record
from ivr.core.ports import Attempt, Limit, QueueLoad, Registered
from ivr.storage import migrate
from ivr.storage.agents import Callbacks, QueueCallers, masked
from ivr.storage.call_state import RedisCallStates, SqlCallStates
from ivr.storage.database import Database
from ivr.storage.lockouts import Guards, Place, Refused
from ivr.storage.passwords import PasswordKeyError, Passwords
from ivr.storage.published import SqlPublishedVersions
from ivr.storage.schema import accounts, records
from ivr.storage.step_buffer import StepBuffer

log = logging.getLogger("ivr.store")

# Seconds to wait for a database or Redis that does not answer before calling it down.
CONNECT_TIMEOUT = 2

# What a backend that is down or unreachable raises, as opposed to a bug.
DOWN = (
    sql_errors.OperationalError,
    sql_errors.InterfaceError,
    sql_errors.TimeoutError,
    redis.ConnectionError,
    redis.TimeoutError,
)


# The queries of every call's steps, built once: building a statement costs more than running it on SQLite.
ACCOUNT = select(accounts).where(accounts.c.id_number == bindparam("id_number"))
ACCOUNT_BY_HASH = select(accounts).where(accounts.c.id_hash == bindparam("id_hash"))
# Two rows are enough to tell a number registered on one account from one shared by several.
REGISTERED = select(accounts.c.id_hash, accounts.c.id_number).where(accounts.c.mobile_hash == bindparam("mobile_hash")).limit(2)
RECORDS = select(records).where(records.c.id_number == bindparam("id_number")).order_by(records.c.period.desc())
# What a reference looks like: an HMAC-SHA256 in hex.
REFERENCE = re.compile(r"^[0-9a-f]{64}$")

REHASH = update(accounts).where(accounts.c.id_number == bindparam("id")).values(password_hash=bindparam("hash"))


class AccountsExist(Exception):
    """Accounts to be loaded are already in the database; `count` says how many, and nothing personal is told."""

    def __init__(self, count: int):
        super().__init__(f"{count} of the accounts are already in the database")
        self.count = count


class BackendUnavailable(Exception):
    """PostgreSQL, SQLite or Redis cannot be reached just now; the caller is offered the agent instead."""


def _unavailable(exc: Exception) -> BackendUnavailable | None:
    """The BackendUnavailable that exc means, or None for an error that is a bug rather than an outage."""
    if isinstance(exc, sql_errors.DBAPIError):
        if isinstance(exc, DOWN) or exc.connection_invalidated:
            return BackendUnavailable(f"database: {type(exc.orig).__name__}")
        return None
    if isinstance(exc, DOWN):
        return BackendUnavailable(f"{type(exc).__module__.split('.')[0]}: {type(exc).__name__}")
    return None


@contextmanager
def _translated() -> Iterator[None]:
    """Raise an outage inside the block as BackendUnavailable; let a bug through as it is."""
    try:
        yield
    except (sql_errors.DBAPIError, *DOWN) as exc:
        unavailable = _unavailable(exc)
        if unavailable is None:
            raise
        raise unavailable from exc


def guarded(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _translated():
            return method(*args, **kwargs)

    return wrapper


def _fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def _yuan(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def sql_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Pre-ping replaces connections a restarted server closed, so service resumes without restarting us.
    options = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8, pool_timeout=CONNECT_TIMEOUT, **options)


def redis_client(url: str) -> redis.Redis:
    # One quick retry reconnects after Redis restarted; short timeouts make an outage fail fast, not hang the call.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=CONNECT_TIMEOUT,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
        health_check_interval=30,
        decode_responses=True,
    )


class Store:
    """Everything the hotline keeps: the engine's Backend (accounts, lockouts) and the CallFlow's call state."""

    def __init__(self, url: str, redis_url: str = "", prefix: str = "ivr:", passwords: Passwords | None = None):
        self.db = Database(sql_engine(url))
        self.sql: Engine = self.db.engine  # SQLAlchemy's engine: the connection pool, not the call engine
        # Needed only to check passwords; tools that only read locks or call state open a store without it.
        self.passwords = passwords
        self.redis: redis.Redis | None = redis_client(redis_url) if redis_url else None
        # Wrong passwords and locks are security state: they live in the database, whose writes survive a restart,
        # even when Redis keeps the call state.
        self.guards = Guards(self.db)
        self.calls = SqlCallStates(self.db) if self.redis is None else RedisCallStates(self.redis, prefix)
        # With Redis, each step's record waits beside the call state until it is moved to SQL in a batch
        # (ivr.storage.step_buffer); without it, the record is written in the step's SQL transaction.
        self.steps = StepBuffer(self.redis, prefix) if self.redis is not None else None
        # Set by close(), for the background work that should then stop (the step records' flusher).
        self.closed = False
        # The published versions of prompts/ and data/ that every serving process runs.
        self.published = SqlPublishedVersions(self.db)
        # Who waits in the agents' queues, and the requests to be called back (ivr.storage.agents).
        self.queue_callers = QueueCallers(self.db)
        self.callbacks = Callbacks(self.db)
        # Callables run after an ID number is newly locked (metrics count them); they are given nothing personal.
        self.lock_listeners: list[Callable[[], None]] = []

    def held(self):
        """Serve every query of one webhook step from one connection (see ivr.database)."""
        return self.db.held()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the SQL writes inside the block one transaction, committed when it ends."""
        # The commit happens when the block ends, outside any guarded method, so it is translated here.
        with _translated(), self.db.held(), self.db.writing():
            yield

    @guarded
    def create_schema(self, then: Callable[[], None] | None = None) -> None:
        """Create or migrate the schema to the latest revision; `then` runs under the same lock (demo data)."""
        migrate.upgrade(self.sql, then, self.passwords.reference if self.passwords is not None else None)

    def close(self) -> None:
        """Close every pooled connection (the store still works afterwards, opening new ones)."""
        self.closed = True
        if self.redis is not None:
            self.redis.close()
        self.sql.dispose()

    # Health.

    def ping_database(self) -> None:
        with self.sql.connect() as conn:
            conn.execute(text("SELECT 1"))

    def ping_redis(self) -> None:
        if self.redis is not None:
            self.redis.ping()

    # Accounts.

    @guarded
    def account_count(self) -> int:
        with self.sql.connect() as conn:
            return conn.execute(select(func.count()).select_from(accounts)).scalar_one()

    @guarded
    def load_accounts(self, items: list[Account], replace: bool = False) -> int:
        """Write accounts (and their records); with replace, existing ones are overwritten.

        Without replace, nothing is written when any of them is already there: AccountsExist says how many.
        """
        try:
            with self.sql.begin() as conn:
                self._write_accounts(conn, items, replace)
        except sql_errors.IntegrityError:
            # Another process loaded them in the meantime. The database's message holds an ID number and a
            # password hash, so it is not passed on.
            raise AccountsExist(len(items)) from None
        now = dt.datetime.now(dt.timezone.utc)
        for account in items:
            reference = self.reference(account.id_number)
            if replace:
                self.guards.unlock(reference)
                self.guards.clear(f"id:{reference}")
            if account.locked:
                self.guards.lock(reference, now)
        return len(items)

    def _write_accounts(self, conn, items: list[Account], replace: bool) -> None:
        if not replace:
            ids = [account.id_number for account in items]
            present = conn.execute(select(func.count()).select_from(accounts).where(accounts.c.id_number.in_(ids))).scalar_one()
            if present:
                raise AccountsExist(present)
        for account in items:
            if replace:
                conn.execute(delete(records).where(records.c.id_number == account.id_number))
                conn.execute(delete(accounts).where(accounts.c.id_number == account.id_number))
            conn.execute(insert(accounts).values(
                id_number=account.id_number,
                id_hash=self.reference(account.id_number),
                password_hash=account.password_hash,
                scheme=account.scheme,
                status=account.status,
                region=account.region,
                balance_fen=_fen(account.balance),
                as_of=account.as_of,
                last_credit_date=account.last_credit_date,
                last_credit_fen=_fen(account.last_credit_amount),
                pension_fen=_fen(account.pension),
                months_paid_before=account.months_paid_before,
                label=account.label,
                mobile_hash=self._mobile_reference(account.mobile) if account.mobile else None,
                mobile_sealed=self.passwords.seal(account.mobile) if account.mobile and self.passwords else None,
            ))
            if account.records:
                conn.execute(insert(records), [
                    dict(
                        id_number=account.id_number,
                        period=record.period,
                        paid=record.paid,
                        base_fen=_fen(record.base),
                        individual_fen=_fen(record.individual),
                        employer_fen=_fen(record.employer),
                        credited_fen=_fen(record.credited),
                    )
                    for record in account.records
                ])

    def reference(self, id_number: str) -> str:
        """The keyed hash that stands for the ID number everywhere but the accounts table."""
        if self.passwords is None:
            raise RuntimeError("this store was opened without the password key")
        return self.passwords.reference("id", id_number)

    def _mobile_reference(self, number: str) -> str:
        """The keyed hash that stands for a registered mobile number: the number itself is never stored."""
        if self.passwords is None:
            raise RuntimeError("this store was opened without the password key")
        return self.passwords.reference("mobile", number)

    @guarded
    def registered(self, caller: str) -> Registered | None:
        """The account the calling number is registered on, unless there is none or several (ivr.core.ports)."""
        if not caller or self.passwords is None:
            return None
        with self.db.reading() as conn:
            rows = conn.execute(REGISTERED, {"mobile_hash": self._mobile_reference(caller)}).all()
        if len(rows) != 1:
            return None
        return Registered(reference=rows[0].id_hash, id_tail=rows[0].id_number[-4:])

    def _reference(self, who: str) -> str:
        """who's reference: who is one already (what calls keep), or an ID number (what operators type)."""
        return who if REFERENCE.match(who) else self.reference(who)

    @guarded
    def account(self, who: str, records: bool = True) -> Account | None:
        """The account of a reference or an ID number, with its payment records unless records is False (then
        Account.records is None)."""
        with self.db.reading() as conn:
            if REFERENCE.match(who):
                row = conn.execute(ACCOUNT_BY_HASH, {"id_hash": who}).mappings().first()
            else:
                row = conn.execute(ACCOUNT, {"id_number": who}).mappings().first()
            if row is None:
                return None
            rows = conn.execute(RECORDS, {"id_number": row["id_number"]}).mappings().all() if records else None
        return Account(
            id_number=row["id_number"],
            password_hash=row["password_hash"],
            scheme=row["scheme"],
            status=row["status"],
            region=row["region"],
            balance=_yuan(row["balance_fen"]),
            as_of=row["as_of"],
            last_credit_date=row["last_credit_date"],
            last_credit_amount=_yuan(row["last_credit_fen"]),
            pension=_yuan(row["pension_fen"]),
            months_paid_before=row["months_paid_before"],
            label=row["label"],
            mobile=self._unsealed(row["mobile_sealed"]),
            records=None if rows is None else tuple(
                Record(
                    period=r["period"],
                    paid=r["paid"],
                    base=_yuan(r["base_fen"]),
                    individual=_yuan(r["individual_fen"]),
                    employer=_yuan(r["employer_fen"]),
                    credited=_yuan(r["credited_fen"]),
                )
                for r in rows
            ),
        )

    def _unsealed(self, sealed: str | None) -> str | None:
        """The registered mobile read back; None without one, or without the key it was sealed with."""
        if not sealed or self.passwords is None:
            return None
        return self.passwords.unseal(sealed)

    @guarded
    def password_matches(self, account: Account, keys: str) -> bool:
        if self.passwords is None:
            raise RuntimeError("this store was opened without the password key")
        try:
            matches = self.passwords.matches(account.password_hash, account.id_number, keys)
        except PasswordKeyError as exc:
            log.error("no password can be checked: %s; set IVR_PASSWORD_KEY back to the key they were made with", exc)
            # Not the caller's mistake, so it must not count towards a lockout: the caller is offered the agent.
            raise BackendUnavailable(f"password key: {exc}") from exc
        if matches and not self.passwords.is_keyed(account.password_hash):
            # A hash from before keyed hashing (scrypt: 100 ms a check) is replaced the one time the password is
            # known, so that the account's later calls are checked at once.
            with self.db.writing() as conn:
                conn.execute(REHASH, {"id": account.id_number, "hash": self.passwords.hash(account.id_number, keys)})
        return matches

    # Password attempts and locks.

    @guarded
    def is_locked(self, who: str) -> bool:
        return self.guards.is_locked(self._reference(who))

    @guarded
    def failures_since(self, who: str, since: dt.datetime) -> int:
        """Wrong passwords for the ID (a reference or an ID number) in the window that began after `since`."""
        return self.guards.count(f"id:{self._reference(who)}", since)

    @guarded
    def attempt_password(self, reference: str, keys: str, caller: str, now: dt.datetime,
                         limit: Limit, caller_limit: Limit | None) -> Attempt:
        """Check one password for the ID, unless the ID or the calling number has used up its attempts.

        The places under both limits are taken before the password is checked (ivr.storage.lockouts), so that
        simultaneous attempts cannot check more than the limits allow; an unknown ID is counted and locked just like
        a known one, so that the two sound the same.
        """
        places = self._places(reference, caller, now, limit, caller_limit)
        if isinstance(places, Attempt):
            return places
        try:
            matches = self._matches(reference, keys)
        except BackendUnavailable:
            for place in places:
                self.guards.give_back(place)
            raise
        if not matches:
            return self._wrong(reference, places, now, [limit, caller_limit])
        self.guards.clear(places[0].subject)
        for place in places[1:]:
            self.guards.give_back(place)
        return Attempt("verified")

    def _places(self, reference: str, caller: str, now: dt.datetime, limit: Limit,
                caller_limit: Limit | None) -> list[Place] | Attempt:
        """A place under the ID's limit and the calling number's, or the Attempt that says why there is none."""
        if self.guards.is_locked(reference):
            return Attempt("locked")
        wanted = [(f"id:{reference}", limit.attempts, limit.window)]
        if caller and caller_limit is not None and self.passwords is not None:
            subject = f"caller:{self.passwords.reference('caller', caller)}"
            wanted.append((subject, caller_limit.attempts, caller_limit.window))
        try:
            places = self.guards.take(wanted, now)
        except Refused as refused:
            return Attempt("locked" if refused.subject.startswith("id:") else "caller_locked")
        # A lock made before our place was taken, in a window that has since begun again, still holds.
        if self.guards.is_locked(reference):
            return Attempt("locked")
        return places

    def _matches(self, reference: str, keys: str) -> bool:
        account = self.account(reference, records=False)
        if account is None:
            self._check_references()
            return False
        return self.password_matches(account, keys)

    def _check_references(self) -> None:
        """Raise BackendUnavailable if the accounts' references were made under another key than this server's.

        Then no account can be found by its reference, and every caller would hear "wrong password" and be locked
        out for a setting the operators got wrong; they are offered the agent instead, as with password hashes.
        """
        with self.db.reading() as conn:
            row = conn.execute(select(accounts.c.id_number, accounts.c.id_hash).limit(1)).first()
        if row is not None and row.id_hash != self.reference(row.id_number):
            log.error("account references were made with another key; set IVR_PASSWORD_KEY back to the key they "
                      "were made with")
            raise BackendUnavailable("password key: account references were made with another key")

    def _wrong(self, reference: str, places: list[Place], now: dt.datetime, limits: list[Limit | None]) -> Attempt:
        """A wrong password keeps its places; the one that filled the ID's last place locks it."""
        own, *caller = places
        if own.count >= limits[0].attempts:
            if self.guards.lock(reference, now):
                for listener in self.lock_listeners:
                    listener()
            return Attempt("locked")
        remaining = limits[0].attempts - own.count
        if caller:
            left = limits[1].attempts - caller[0].count
            if left <= 0:
                return Attempt("caller_locked")
            remaining = min(remaining, left)
        return Attempt("wrong", remaining)

    @guarded
    def unlock(self, id_number: str) -> bool:
        """Lift a lock, as a service counter does after checking the person's documents."""
        reference = self.reference(id_number)
        self.guards.clear(f"id:{reference}")
        return self.guards.unlock(reference)

    # Call state, kept by CallSid so that any process can serve any step of a call.

    @guarded
    def load_call(self, call_sid: str) -> dict | None:
        return self.calls.load(call_sid)

    @guarded
    def save_call(self, call_sid: str, state: dict, now: dt.datetime) -> None:
        self.calls.save(call_sid, state, now)

    @guarded
    def save_call_and_record(self, call_sid: str, state: dict, now: dt.datetime, record: str) -> None:
        """Store the call's state and buffer its step's record together, in one Redis round trip (self.steps)."""
        self.calls.save(call_sid, state, now, record, self.steps.key)
        # A store closed and then used again is open: its records must be moved again.
        self.closed = False

    @guarded
    def buffer_record(self, record: str) -> None:
        """Put a record at the end of the buffered step records, to be written after those before it."""
        self.steps.push(record)
        self.closed = False

    @guarded
    def flush_steps(self, write: Callable[[list[str]], None], wait: float = 2.0) -> int:
        """Move the buffered step records to SQL with `write` (see ivr.storage.step_buffer); 0 without Redis."""
        return 0 if self.steps is None else self.steps.flush(write, wait)

    @guarded
    def end_call(self, call_sid: str) -> None:
        self.calls.end(call_sid)

    # The agents' queues and call backs (the engine's Backend, and the telephony layer's record of who waits).

    @guarded
    def queue_load(self, queue: str, now: dt.datetime) -> QueueLoad:
        return self.queue_callers.load(queue, now)

    @guarded
    def request_callback(self, number: str, line: str, topic: str, now: dt.datetime, due: dt.datetime | None) -> None:
        request_id = self.callbacks.request(number, line, topic, now, due)
        log.info("call back %s requested by %s on line %s", request_id, masked(number), line)


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets several server processes read while one writes; the busy timeout makes writers wait, not fail.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a power cut may lose the last steps'
    # call state, never corrupt the file, and each webhook step stops waiting on the disk.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
