"""Schema creation and migration with Alembic, safe when several processes start at the same moment."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

# Any fixed number works; it only has to be the same in every process of the hotline.
ADVISORY_LOCK = 0x1B0_12333
# The revision whose tables the first release made with create_all, before there were migrations.
FIRST_RELEASE = "0001"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "ivr.storage:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database is at, None for a database never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def exclusive(engine: Engine) -> Iterator[Connection]:
    """A connection holding the hotline's migration lock, so that only one process changes the schema at a time."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        with engine.connect() as conn:
            yield conn
        return
    # SQLite has no lock that outlives a transaction, so processes sharing the file take a lock on a file beside it.
    with open(Path(database).with_name(Path(database).name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, then: Callable[[], None] | None = None,
            reference: Callable[[str, str], str] | None = None) -> None:
    """Bring the schema to the latest revision, then run `then` (loading demo data) while still holding the lock.

    `reference` is the keyed hash (ivr.storage.passwords.Passwords.reference) for migrations that replace ID numbers.
    """
    with exclusive(engine) as conn:
        tables = set(inspect(conn).get_table_names())
        conn.commit()
        cfg = config(conn)
        cfg.attributes["reference"] = reference
        if "alembic_version" not in tables and "accounts" in tables:
            command.stamp(cfg, FIRST_RELEASE)
            conn.commit()
        command.upgrade(cfg, "head")
        conn.commit()
        if then is not None:
            then()
