"""Connections to the SQL database: one held for a whole webhook step, or one per query elsewhere.

A webhook step makes several small queries (its call state, the account, its step record). Taking a pooled
connection for each would cost more than the queries themselves, so a step holds one connection throughout
(`held`), and every query of the step runs on it. Outside a step (commands, the operator page, tests), each query
takes its own connection as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from sqlalchemy import exc as sql_errors
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Executable


class _Held:
    """The connection a step holds, taken at its first query: a step that queries nothing takes none."""

    connection: Connection | None = None
    # Whether a write transaction is open on it, which the step's further writes join.
    writing: bool = False


class Database:
    def __init__(self, engine: Engine):
        self.engine = engine
        # A context variable, so that each thread of a server (and each request) holds its own connection.
        self._held: ContextVar[_Held | None] = ContextVar(f"ivr-held-{id(self)}", default=None)
        # SQLite lets one connection write at a time, and one that finds the file locked sleeps and polls (a
        # millisecond or more per try). The threads of one process therefore take turns on a lock of their own,
        # which hands over at once; only writers in other processes still meet SQLite's wait.
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run every query inside the block on one connection; nested blocks share the outer one."""
        if self._held.get() is not None:
            yield
            return
        held = _Held()
        token = self._held.set(held)
        try:
            yield
        finally:
            self._held.reset(token)
            if held.connection is not None:
                # Returning it to the pool rolls back anything a failed query left open.
                held.connection.close()

    def _connection(self) -> Connection | None:
        held = self._held.get()
        if held is None:
            return None
        if held.connection is None:
            # Connecting here, inside the query that needs it, makes a database that is down fail like a query.
            held.connection = self.engine.connect()
        return held.connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        conn = self._connection()
        if conn is None:
            with self.engine.connect() as conn:
                yield conn
            return
        try:
            yield conn
        except Exception:
            # A failed read leaves the held connection's transaction unusable (the connection too, if the database
            # went away); ended here, the step's later queries, such as its record, find the database as it is now.
            # Inside a write, the write's own transaction ends it.
            if not self._held.get().writing:
                conn.rollback()
            raise

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction committed when the block ends; inside another one of the same step, that one is joined."""
        held = self._held.get()
        if held is not None and held.writing:
            yield held.connection
            return
        with self._writer:
            conn = self._connection()
            if conn is None:
                with self.engine.begin() as conn:
                    yield conn
                return
            # Earlier reads of the step may have begun a transaction implicitly; the write goes on in it rather than
            # paying a round trip to end it first.
            transaction = conn.get_transaction() if conn.in_transaction() else conn.begin()
            held.writing = True
            try:
                with transaction:
                    yield conn
            finally:
                held.writing = False


class DriverStatement:
    """A Core statement compiled once for SQLite and run on the driver's own connection.

    Every webhook step reads and writes its call's state and adds its record. On SQLite each of those statements
    takes microseconds, while SQLAlchemy's execution around it (the execution context, the parameters' processing,
    the result's set-up) costs about 100 µs a statement. SQLAlchemy still compiles the SQL and converts each
    parameter with its column type's own bind processor, so the rows are the same as Connection.execute writes; the
    statement runs on the held connection's driver connection, inside the transaction SQLAlchemy opened there.
    """

    def __init__(self, statement: Executable, engine: Engine, keys: list[str] | None = None):
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        if dialect.paramstyle != "qmark" or compiled.positiontup is None:
            raise ValueError(f"DriverStatement runs positional SQLite statements, not {dialect.paramstyle} ones")
        self.sql = compiled.string
        self.driver_error = dialect.loaded_dbapi.Error
        self.names = tuple(compiled.positiontup)
        self.processors = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                                for name in self.names)

    def parameters(self, values: dict) -> tuple:
        return tuple(value if process is None else process(value)
                     for value, process in zip((values[name] for name in self.names), self.processors))

    def run(self, conn: Connection, values: dict):
        """Run on `conn`'s driver connection; returns the driver's cursor.

        A driver error is raised as SQLAlchemy raises it (OperationalError for a locked or missing database), so that
        the store tells an outage from a bug in the same way whichever path ran the statement.
        """
        parameters = self.parameters(values)
        try:
            return conn.connection.dbapi_connection.execute(self.sql, parameters)
        except self.driver_error as exc:
            raise sql_errors.DBAPIError.instance(self.sql, parameters, exc, self.driver_error) from exc


class CopiedRows:
    """Rows written to one PostgreSQL table with COPY, on the connection's psycopg connection, in its transaction.

    psycopg runs an executemany as one pipelined statement per row; COPY, PostgreSQL's own bulk load, sends the rows
    as one stream. It is for the batches of step records moved from Redis, hundreds at a time, where the per-row
    statements were most of the flusher's CPU. Values are written by psycopg's own dumpers (str, bool, None, naive
    datetime as timestamp), the types the table's columns hold.
    """

    def __init__(self, table: str, columns: list[str]):
        from psycopg import sql

        self.columns = list(columns)
        self.sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(column) for column in self.columns))

    @staticmethod
    def fits(engine: Engine) -> bool:
        return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"

    def run(self, conn: Connection, rows: list[dict]) -> None:
        """Write the rows; a driver error is raised as SQLAlchemy raises it, as for DriverStatement."""
        import psycopg

        driver = conn.connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row([row[column] for column in self.columns])
        except psycopg.Error as exc:
            raise sql_errors.DBAPIError.instance("COPY", None, exc, psycopg.Error) from exc
