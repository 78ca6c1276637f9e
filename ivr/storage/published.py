"""Published versions of prompts/ and data/ in the hotline's database (SQLite or PostgreSQL), numbered from 1."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import exc as sql_errors
from sqlalchemy import func, insert, select

from ivr.content.publishing import Logged, Published
from ivr.storage.database import Database
from ivr.storage.schema import content_versions as table
from ivr.storage.schema import publish_log

# Two operators publishing at the same moment both take the next number; one insert fails and tries the number after.
ATTEMPTS = 5
LISTED = (table.c.number, table.c.digest, table.c.author, table.c.at, table.c.message)


class SqlPublishedVersions:
    """ivr.content.publishing.PublishedVersions on the tables of ivr.storage.schema."""

    def __init__(self, db: Database):
        self.db = db

    def latest_number(self) -> int | None:
        """The newest number; each serving process asks this every few seconds, so it reads one index entry."""
        with self.db.reading() as conn:
            return conn.execute(select(func.max(table.c.number))).scalar()

    def latest(self) -> Published | None:
        return self._one(select(table).order_by(table.c.number.desc()).limit(1))

    def get(self, number: int) -> Published | None:
        return self._one(select(table).where(table.c.number == number))

    def with_version(self, version: str) -> Published | None:
        """The newest version whose files have this short hash (the version a call keeps)."""
        if len(version) != 16 or not version.isalnum():
            return None
        query = select(table).where(table.c.digest.startswith(version.lower(), autoescape=True))
        return self._one(query.order_by(table.c.number.desc()).limit(1))

    def listing(self) -> list[Published]:
        with self.db.reading() as conn:
            rows = conn.execute(select(*LISTED).order_by(table.c.number)).all()
        return [_published(row._mapping) for row in rows]

    def add(self, files: dict[str, str], digest: str, author: str, message: str, at: dt.datetime, *,
            source: int | None = None, via: str = "serve") -> Published:
        """Store the files as the next number and return it; files identical to the newest version return that one.

        Processes that see the same save at the same moment (several servers on one laptop's files) so publish it once.
        A version stored is entered in the publish log in the same transaction: a rollback when `source` names the
        version published again, else a publish.
        """
        for attempt in range(ATTEMPTS):
            try:
                with self.db.writing() as conn:
                    newest = conn.execute(select(table.c.number, table.c.digest).order_by(table.c.number.desc()).limit(1)).first()
                    if newest is not None and newest.digest == digest:
                        return self.get(newest.number)
                    stored = self._insert(conn, (newest.number if newest else 0) + 1, files, digest, author, message, at)
                    _log(conn, stored, source, via)
                    return stored
            except sql_errors.IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def first(self, files: dict[str, str], digest: str, author: str, message: str, at: dt.datetime) -> Published:
        """Version 1: these files when nothing is published yet, else what another process published first."""
        try:
            with self.db.writing() as conn:
                stored = self._insert(conn, 1, files, digest, author, message, at)
                _log(conn, stored, None, "start")
                return stored
        except sql_errors.IntegrityError:
            return self.get(1)

    def log(self) -> list[Logged]:
        """The publish log, newest first: who published or rolled back which version, when and from where."""
        with self.db.reading() as conn:
            rows = conn.execute(select(publish_log).order_by(publish_log.c.id.desc())).all()
        return [Logged(row.at.replace(tzinfo=dt.timezone.utc), row.who, row.action, row.number, row.source, row.via)
                for row in rows]

    def _insert(self, conn, number: int, files: dict[str, str], digest: str, author: str, message: str,
                at: dt.datetime) -> Published:
        stored = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
        conn.execute(insert(table).values(number=number, digest=digest, author=author[:200], at=stored, message=message,
                                          files=json.dumps(files, ensure_ascii=False)))
        return Published(number, digest, author[:200], stored.replace(tzinfo=dt.timezone.utc), message, files)

    def _one(self, query) -> Published | None:
        with self.db.reading() as conn:
            row = conn.execute(query).first()
        return None if row is None else _published(row._mapping, json.loads(row.files))


def _published(row, files: dict[str, str] | None = None) -> Published:
    at = row["at"].replace(tzinfo=dt.timezone.utc)
    return Published(row["number"], row["digest"], row["author"], at, row["message"], files or {})


def _log(conn, stored: Published, source: int | None, via: str) -> None:
    action = "publish" if source is None else "rollback"
    conn.execute(insert(publish_log).values(at=stored.at.replace(tzinfo=None), who=stored.author, action=action,
                                            number=stored.number, source=source, via=via))
