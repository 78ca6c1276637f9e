"""The SQL tables, as the latest migration leaves them; migrations/ holds how each version got there."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Index,
    Text,
    false,
)

metadata = MetaData()

# SQLite only numbers rows automatically for a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = BigInteger().with_variant(Integer, "sqlite")

# Amounts are kept as whole fen (cents) so that every database stores them exactly.
accounts = Table(
    "accounts",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("region", String(32), nullable=False),
    Column("balance_fen", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("last_credit_date", Date),
    Column("last_credit_fen", Integer),
    Column("pension_fen", Integer),
    Column("months_paid_before", Integer, nullable=False, default=0),
    Column("label", String(200), nullable=False, default=""),
    # The keyed hash (ivr.storage.passwords.Passwords.reference) that locks, counters and call state use instead of
    # the ID number; calls find their account by it.
    Column("id_hash", String(64)),
    Index("ix_accounts_id_hash", "id_hash", unique=True),
    # The keyed hash of the mobile number registered on the account (never the number); several accounts may share
    # one, and a caller from a number shared that way is asked for the ID number.
    Column("mobile_hash", String(64)),
    Index("ix_accounts_mobile_hash", "mobile_hash"),
    # The same number sealed (AES-GCM under a key derived from IVR_PASSWORD_KEY, ivr.storage.passwords): the one
    # place it can be read back, to send the account's text messages to it.
    Column("mobile_sealed", String(120)),
)

records = Table(
    "records",
    metadata,
    Column("id_number", String(18), ForeignKey("accounts.id_number", ondelete="CASCADE"), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("paid", Boolean, nullable=False),
    Column("base_fen", Integer),
    Column("individual_fen", Integer),
    Column("employer_fen", Integer),
    Column("credited_fen", Integer),
)

# Keyed hashes (64 hex characters) stand for ID numbers and calling numbers in every table below.
REFERENCE = String(64)

# Wrong passwords per ID (subject "id:<hash>") and per calling number ("caller:<hash>"): how many since when. The
# database is the record even when Redis is used, so that a restarted Redis forgets no attempt.
password_guards = Table(
    "password_guards",
    metadata,
    Column("subject", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("since", DateTime, nullable=False),
)

# A lock lasts until a service counter lifts it, so it always lives here, never only in Redis.
locks = Table(
    "locks",
    metadata,
    Column("subject", REFERENCE, primary_key=True),
    Column("at", DateTime, nullable=False),
)

# Each call's engine state by CallSid, when no Redis is configured.
call_states = Table(
    "call_states",
    metadata,
    Column("call_sid", String(64), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated", DateTime, nullable=False, index=True),
)

# One row per call: when it started and, from Twilio's status callback, how it ended and how long it lasted.
calls = Table(
    "calls",
    metadata,
    Column("call_sid", String(64), primary_key=True),
    Column("started", DateTime, nullable=False, index=True),
    Column("finished", DateTime),
    Column("outcome", String(16)),
    Column("duration", Integer),
    # The line called (data/lines.yaml), whether the web simulator made the call (left out of the operators' totals
    # unless asked for), whether its caller was identified, and when it was first put through to an agent.
    Column("line", String(32)),
    Column("simulated", Boolean, nullable=False, server_default=false()),
    Column("identified", Boolean, nullable=False, server_default=false()),
    Column("transferred", DateTime),
    # The caller's rating of the agent's service (ivr.core.script.RATINGS) and when it was given; empty without one.
    Column("rating", String(16)),
    Column("rated", DateTime),
)

# Every webhook step of every call: the node the caller was left at, for the operators' funnel.
call_steps = Table(
    "call_steps",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("call_sid", String(64), nullable=False, index=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("node", String(64), nullable=False),
    Column("ended", Boolean, nullable=False),
    # The re-prompt the step gave: "nomatch" after a wrong key, "noinput" after a time-out, else empty.
    Column("miss", String(8)),
)

# Every published version of prompts/ and data/, numbered from 1; a rollback adds a row with an earlier version's files.
# `digest` is the SHA-256 of the files (ivr.content.publishing.digest); its first 16 characters are the version calls
# keep, so the index on it finds the files of a call that started on another replica.
content_versions = Table(
    "content_versions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False, index=True),
    Column("author", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("message", Text, nullable=False),
    # The files as one JSON object, name to text: a version is read and written whole, never a file alone.
    Column("files", Text, nullable=False),
)

# Who published or rolled back which version, when, and from where: one row per version stored, written in the same
# transaction as the version, so that no version is in service without its entry. `source` is the version a rollback
# published again; `via` is `command` (ivr publish, ivr rollback), `page` (the operator page), `serve` (a save
# published by ivr serve in development) or `start` (the files a first start published).
publish_log = Table(
    "publish_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("who", String(200), nullable=False),
    Column("action", String(16), nullable=False),
    Column("number", Integer, nullable=False, index=True),
    Column("source", Integer),
    Column("via", String(16), nullable=False),
)

# Text messages callers asked for, written in the same transaction as the step that asked (an outbox): nothing is lost
# if the process dies before it is sent. `status` is pending, sending, sent, failed or simulated (a simulator call's,
# never sent); `to_sealed` is the registered mobile sealed like accounts.mobile_sealed; `message_sid` is Twilio's
# (SM...) once accepted, `error_code` Twilio's error code (21211...) or the HTTP status when it gave none.
texts = Table(
    "texts",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("call_sid", String(64), nullable=False, index=True),
    Column("to_sealed", String(120), nullable=False),
    Column("from_number", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("message_sid", String(64)),
    Column("error_code", Integer),
    Column("error", String(200)),
    Column("created", DateTime, nullable=False, index=True),
    Column("updated", DateTime, nullable=False),
)

# Callers waiting in an agents' queue now, by CallSid: added when a call is put into a Twilio queue, removed when an
# agent takes it (the <Queue> url), when it leaves (the <Enqueue> action) or when it ends. The agent access number
# reads it to serve the older callers' queue first; `average` is the latest AvgQueueTime Twilio reported to the call.
queue_callers = Table(
    "queue_callers",
    metadata,
    Column("call_sid", String(64), primary_key=True),
    Column("queue", String(64), nullable=False, index=True),
    Column("since", DateTime, nullable=False),
    Column("average", Integer, nullable=False, default=0),
    Column("seen", DateTime, nullable=False),
)

# Callers' requests to be called back by an agent: the number to call (needed to call it, so kept as it is; logs mask
# it), the line, the node the caller asked from, when it was asked, by when it was promised (the next opening, or
# empty for "as soon as an agent is free"), and when an operator marked it done.
callbacks = Table(
    "callbacks",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False),
    Column("line", String(64), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("requested", DateTime, nullable=False),
    Column("due", DateTime),
    Column("done", DateTime, index=True),
)
