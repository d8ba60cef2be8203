"""SQL databases through SQLAlchemy Core: one base, a thin subclass per engine.

Statements are written once per shape in the driver's own parameter style and
run with `exec_driver_sql`, so troth adds almost nothing to the database's own
time: keys go in batches (`= ANY(%s)` on PostgreSQL, padded `IN (...)` lists
elsewhere, so each shape is one cached / prepared statement), identifiers are
always quoted, and every statement is bounded by the dataset's
`timeout_seconds` (PostgreSQL `statement_timeout`, MariaDB
`max_statement_time`, a progress handler on SQLite). On PostgreSQL a round of
lookups, or an erasure's writes, travel as one message (see `PostgresConnector`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from troth._errors import ConfigurationError, ConnectorError
from troth.connectors._base import (
    Connector,
    Delete,
    EnsureRow,
    Fault,
    Key,
    Lookup,
    Operation,
    Relink,
    Remote,
    Rewrite,
    Update,
    UpdateEach,
)
from troth.declaration import Dataset

__all__ = ["MySQLConnector", "PostgresConnector", "SQLiteConnector", "SqlConnector", "sql_url"]

_SCHEMES = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mariadb+pymysql": "mysql+pymysql",
}


def sql_url(raw: str, *, dataset: str) -> URL:
    """Parse a connection URL; bare `postgresql://` / `mysql://` pick psycopg 3 / PyMySQL."""
    scheme, sep, rest = raw.partition("://")
    if not sep:
        raise ConfigurationError(
            f"dataset `{dataset}`: the connection URL is not a URL (e.g. postgresql://…)"
        )
    try:
        return make_url(f"{_SCHEMES.get(scheme, scheme)}://{rest}")
    except ArgumentError as exc:
        raise ConfigurationError(f"dataset `{dataset}`: invalid connection URL: {exc}") from None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlConnector(Connector):
    """Shared SQL: subclasses set the parameter marker, time limits and how keys are matched."""

    param_marker: ClassVar[str] = "%s"  # the DB-API parameter marker
    batch_size: ClassVar[int] = 500
    text_cast: ClassVar[str] = "{}"

    def __init__(self, dataset: Dataset, url: URL) -> None:
        super().__init__(dataset)
        self.engine = self.create_engine(url)
        self._quote = self.engine.dialect.identifier_preparer.quote_identifier
        self._reader: Connection | None = None
        self._writer: Connection | None = None
        self._tables: dict[str, str] = {}
        self._heads: dict[tuple[Any, ...], str] = {}

    # ------------------------------------------------------------------ subclass hooks

    def create_engine(self, url: URL) -> Engine:
        return create_engine(url, pool_size=2, max_overflow=2)

    def match(self, columns: Sequence[str], keys: Sequence[Key]) -> tuple[str, list[Any]]:
        """A WHERE fragment matching rows whose `columns` equal one of `keys`, and its parameters."""
        ph = self.param_marker
        padded = list(keys)
        # Pad to a power of two so a handful of statement shapes serve every batch.
        size = 1
        while size < len(padded):
            size *= 2
        padded.extend([padded[-1]] * (size - len(padded)))
        if len(columns) == 1:
            sql = f"{self._quote(columns[0])} IN ({', '.join([ph] * size)})"
            return sql, [k[0] for k in padded]
        row = "(" + ", ".join([ph] * len(columns)) + ")"
        target = "(" + ", ".join(self._quote(c) for c in columns) + ")"
        return f"{target} IN ({', '.join([row] * size)})", [v for k in padded for v in k]

    def stream(self, connection: Connection, sql: str, params: Sequence[Any]) -> Iterator[Sequence[Any]]:
        result = connection.execution_options(stream_results=True).exec_driver_sql(sql, tuple(params))
        try:
            yield from result
        finally:
            result.close()

    # ------------------------------------------------------------------ reading

    def table(self, name: str) -> str:
        found = self._tables.get(name)
        if found is None:
            schema = self.dataset.db_schema
            found = f"{self._quote(schema)}.{self._quote(name)}" if schema else self._quote(name)
            self._tables[name] = found
        return found

    def _connection(self) -> Connection:
        if self._reader is None or self._reader.invalidated:
            try:
                self._reader = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            except SQLAlchemyError as exc:
                raise self._error(exc, "", "") from None
        return self._reader

    def _head(self, lookup: Lookup) -> str:
        """`SELECT <columns> FROM <table> WHERE `, built once per shape of lookup."""
        shape = (lookup.collection.name, lookup.field, tuple(lookup.columns), lookup.match)
        head = self._heads.get(shape)
        if head is None:
            columns = ", ".join(self._quote(c) for c in lookup.columns)
            head = self._heads[shape] = f"SELECT {columns} FROM {self.table(lookup.collection.name)} WHERE "
        return head

    def fetch(self, lookup: Lookup) -> Iterator[Sequence[Any]]:
        name = lookup.collection.name
        connection = self._connection()
        head = self._head(lookup)
        if lookup.match == "contains":
            target = "lower(" + self.text_cast.format(self._quote(lookup.field)) + ")"
            for chunk in _chunks(lookup.values, 50):
                where = " OR ".join([f"{target} LIKE {self.param_marker} ESCAPE '!'"] * len(chunk))
                params = ["%" + _like_escape(str(v).lower()) + "%" for v in chunk]
                yield from self._guarded(connection, head + where, params, name)
            return
        for chunk in _chunks(lookup.values, self.batch_size):
            where, params = self.match([lookup.field], [(v,) for v in chunk])
            yield from self._guarded(connection, head + where, params, name)

    def _guarded(
        self, connection: Connection, sql: str, params: Sequence[Any], table: str
    ) -> Iterator[Sequence[Any]]:
        try:
            yield from self.stream(connection, sql, params)
        except self.errors() as exc:
            raise self._error(exc, table, sql) from None

    # ------------------------------------------------------------------ writing

    def erase(self, operations: Sequence[Operation], *, fault: Fault | None = None) -> list[int]:
        counts: list[int] = []
        table, sql = "", ""
        try:
            connection = self._writing()
            with connection.begin():
                for operation in operations:
                    table = getattr(operation, "table", "")
                    if fault is not None:
                        fault(f"{self.dataset.id}.{table}:{type(operation).__name__}")
                    counts.append(self._apply(connection, operation))
        except self.errors() as exc:
            raise self._error(exc, table, sql) from None
        return counts

    def _writing(self) -> Connection:
        """The connection changes go through, kept open between requests (no pool checkout and reset)."""
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            self._writer = self.engine.connect()
        return self._writer

    def execute(self, connection: Connection, sql: str, params: Sequence[Any]) -> int:
        """Run one write statement; return the rows it affected."""
        return connection.exec_driver_sql(sql, tuple(params)).rowcount

    def _run(self, connection: Connection, sql: str, params: Sequence[Any], table: str) -> int:
        try:
            return self.execute(connection, sql, params)
        except self.errors() as exc:
            raise self._error(exc, table, sql) from None

    def statements(self, op: Delete | Update | UpdateEach | Relink) -> Iterator[tuple[str, list[Any]]]:
        """The write statements of one operation, in batches of keys."""
        ph, table = self.param_marker, self.table(op.table)
        if isinstance(op, Relink):
            value = ph if op.replacement is not None else "NULL"
            extra = [op.replacement] if op.replacement is not None else []
            for chunk in _chunks(op.values, self.batch_size):
                where, params = self.match([op.column], [(v,) for v in chunk])
                yield (
                    f"UPDATE {table} SET {self._quote(op.column)} = {value} WHERE {where}",
                    [*extra, *params],
                )
        elif isinstance(op, UpdateEach):
            for key, assignments in op.rows:
                sets = ", ".join(f"{self._quote(c)} = {ph}" for c in assignments)
                where = " AND ".join(f"{self._quote(c)} = {ph}" for c in op.key_columns)
                yield f"UPDATE {table} SET {sets} WHERE {where}", [*assignments.values(), *key]
        else:
            for chunk in _chunks(op.keys, self.batch_size):
                where, params = self.match(op.key_columns, chunk)
                if isinstance(op, Delete):
                    yield f"DELETE FROM {table} WHERE {where}", params
                else:
                    sets = ", ".join(f"{self._quote(c)} = {ph}" for c in op.assignments)
                    yield f"UPDATE {table} SET {sets} WHERE {where}", [*op.assignments.values(), *params]

    def _apply(self, connection: Connection, op: Operation) -> int:
        if isinstance(op, Remote):
            raise ConnectorError("a SQL dataset cannot take a webhook request", dataset=self.dataset.id)
        if isinstance(op, EnsureRow):
            table = self.table(op.table)
            where, params = self.match(op.key_columns, [tuple(op.values[c] for c in op.key_columns)])
            exists = connection.exec_driver_sql(f"SELECT 1 FROM {table} WHERE {where}", tuple(params)).first()
            if exists is not None:
                return 0
            columns = ", ".join(self._quote(c) for c in op.values)
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join([self.param_marker] * len(op.values))})"
            )
            return self._run(connection, sql, list(op.values.values()), op.table)
        if isinstance(op, Rewrite):
            return self._rewrite(connection, op, self.table(op.table))
        return sum(self._run(connection, sql, params, op.table) for sql, params in self.statements(op))

    def _rewrite(self, connection: Connection, op: Rewrite, table: str) -> int:
        ph = self.param_marker
        keys = ", ".join(self._quote(c) for c in op.key_columns)
        changed: list[tuple[Any, Key]] = []
        for chunk in _chunks(op.keys, self.batch_size):
            where, params = self.match(op.key_columns, chunk)
            sql = f"SELECT {keys}, {self._quote(op.column)} FROM {table} WHERE {where}"
            for row in connection.exec_driver_sql(sql, tuple(params)):
                values = tuple(row)
                new = op.rewrite(values[-1])
                if new != values[-1]:
                    changed.append((new, values[:-1]))
        where = " AND ".join(f"{self._quote(c)} = {ph}" for c in op.key_columns)
        sql = f"UPDATE {table} SET {self._quote(op.column)} = {ph} WHERE {where}"
        for new, key in changed:
            self._run(connection, sql, [new, *key], op.table)
        return len(changed)

    # ------------------------------------------------------------------ errors and cleanup

    def driver_errors(self) -> tuple[type[Exception], ...]:
        return ()

    def errors(self) -> tuple[type[Exception], ...]:
        return (SQLAlchemyError, *self.driver_errors())

    def _error(self, exc: Exception, table: str, sql: str) -> ConnectorError:
        detail = getattr(exc, "orig", None) or exc
        message = str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__
        where = self.engine.url.render_as_string(hide_password=True)
        return ConnectorError(f"{message} (at {where})", dataset=self.dataset.id, table=table, sql=sql)

    def close(self) -> None:
        for connection in (self._reader, self._writer):
            if connection is not None:
                connection.close()
        self._reader = self._writer = None
        self.engine.dispose()


def _like_escape(value: str) -> str:
    return value.replace("!", "!!").replace("%", "!%").replace("_", "!_")


class PostgresConnector(SqlConnector):
    """PostgreSQL via psycopg 3: `= ANY(%s)` arrays, several statements per round trip.

    A round of lookups, or all of an erasure's writes, go to the server as one
    simple-query message (parameters bound by psycopg on the client, identifiers
    quoted): the server answers every statement in one round trip, and runs an
    erasure's statements as one implicit transaction, so they all apply or none.
    That costs a fraction of the client work of sending them one by one, or of
    pipelining them as prepared statements.
    """

    text_cast = "CAST({} AS TEXT)"
    batch_size = 5000
    #: results up to this size come back whole; larger ones are streamed
    small_result: ClassVar[int] = 5000
    #: an erasure of up to this many statements goes as one message
    batch_statements: ClassVar[int] = 64
    #: lookups per message: each answer may hold `small_result` rows until it is read
    lookups_per_message: ClassVar[int] = 8

    def create_engine(self, url: URL) -> Engine:
        limit = int(self.dataset.timeout_seconds * 1000)
        options = f"-c statement_timeout={limit} -c lock_timeout={limit}"
        return create_engine(
            url, pool_size=2, max_overflow=2, connect_args={"options": options, "connect_timeout": 10}
        )

    def match(self, columns: Sequence[str], keys: Sequence[Key]) -> tuple[str, list[Any]]:
        if len(columns) == 1:
            return f"{self._quote(columns[0])} = ANY({self.param_marker})", [[k[0] for k in keys]]
        return super().match(columns, keys)

    def stream(self, connection: Connection, sql: str, params: Sequence[Any]) -> Iterator[Sequence[Any]]:
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT {self.small_result + 1}", tuple(params), prepare=True)
            rows = cursor.fetchall()
        if len(rows) <= self.small_result:
            yield from rows
            return
        del rows
        with raw.cursor() as cursor:
            yield from cursor.stream(sql, tuple(params), size=2000)

    def fetch_many(self, lookups: Sequence[Lookup]) -> list[Iterable[Sequence[Any]]]:
        """Several lookups in one round trip, when each is one statement.

        Each answer is capped as in `stream`, so memory stays bounded: a lookup
        whose rows overflow the cap is read again, streamed. Lookups with more
        keys than a batch, or searching free text, run one by one.
        """
        single = all(lk.match == "equals" and len(lk.values) <= self.batch_size for lk in lookups)
        if len(lookups) < 2 or not single:
            return super().fetch_many(lookups)
        connection = self._connection()
        answers: list[Iterable[Sequence[Any]]] = []
        for start in range(0, len(lookups), self.lookups_per_message):
            statements = []
            for lookup in lookups[start : start + self.lookups_per_message]:
                where, params = self.match([lookup.field], [(v,) for v in lookup.values])
                statements.append((lookup.collection.name, self._head(lookup) + where, params))
            capped = [
                (table, f"{sql} LIMIT {self.small_result + 1}", params) for table, sql, params in statements
            ]
            with self._batch(connection, capped) as cursor:
                for table, sql, params in statements:
                    rows = cursor.fetchall()
                    if len(rows) > self.small_result:
                        del rows
                        answers.append(self._guarded(connection, sql, params, table))
                    else:
                        answers.append(rows)
                    cursor.nextset()
        return answers

    def erase(self, operations: Sequence[Operation], *, fault: Fault | None = None) -> list[int]:
        """As the base class, in one round trip and one implicit transaction.

        A tombstone check or a mention rewrite reads before it writes: those
        take the base class's path, statement by statement.
        """
        if any(isinstance(op, (EnsureRow, Rewrite, Remote)) for op in operations):
            return super().erase(operations, fault=fault)
        statements: list[tuple[str, str, list[Any]]] = []
        owner: list[int] = []  # the operation each statement belongs to
        for index, operation in enumerate(operations):
            assert isinstance(operation, (Delete, Update, UpdateEach, Relink))
            for sql, params in self.statements(operation):
                statements.append((operation.table, sql, params))
                owner.append(index)
        if len(statements) > self.batch_statements:
            # a large erasure (many batches of keys, or many rows with keyed hashes of their
            # own): its time is the server's, and one message would grow to megabytes
            return super().erase(operations, fault=fault)
        for operation in operations:
            if fault is not None:
                fault(f"{self.dataset.id}.{getattr(operation, 'table', '')}:{type(operation).__name__}")
        counts = [0] * len(operations)
        if not statements:
            return counts
        with self._batch(self._connection(), statements) as cursor:
            for index in owner:
                counts[index] += max(cursor.rowcount, 0)
                cursor.nextset()
        return counts

    @contextlib.contextmanager
    def _batch(
        self, connection: Connection, statements: Sequence[tuple[str, str, list[Any]]]
    ) -> Iterator[Any]:
        """Send `(table, SQL, parameters)` as one message; yields the cursor at the first result.

        An error names the statement the server refused (see `_refused`); a value
        that cannot be bound names the statement it was meant for.
        """
        from psycopg import ClientCursor

        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = ClientCursor(raw)
        bound: list[str] = []
        try:
            for _table, sql, params in statements:
                bound.append(cursor.mogrify(sql, tuple(params)))
            cursor.execute(";\n".join(bound))
            yield cursor
        except self.errors() as exc:
            if raw.broken or raw.closed:
                connection.invalidate()  # the next request connects afresh
                table, sql = _refused(exc, statements, bound, None)
            elif len(bound) < len(statements):
                table, sql = statements[len(bound)][:2]
            else:
                table, sql = _refused(exc, statements, bound, raw)
            raise self._error(exc, table, sql) from None
        finally:
            cursor.close()

    def driver_errors(self) -> tuple[type[Exception], ...]:
        import psycopg

        return (psycopg.Error,)


def _refused(
    exc: Exception, statements: Sequence[tuple[str, str, list[Any]]], bound: Sequence[str], raw: Any
) -> tuple[str, str]:
    """(table, SQL) of the statement a message failed on.

    By the position the server reports in the message; failing that (a broken
    constraint has none), by sending the statements again one at a time in a
    transaction that is always rolled back, stopping at the one refused. A
    timeout or a lost connection is not retried: it names every table sent.
    """
    import psycopg

    diag = getattr(exc, "diag", None)
    position = getattr(diag, "statement_position", None)
    if position:
        start = 0
        for (table, sql, _params), text in zip(statements, bound, strict=True):
            start += len(text) + 2  # the statement and the ";\n" after it
            if int(position) <= start:
                return table, sql
    if raw is not None and isinstance(exc, (psycopg.errors.IntegrityError, psycopg.errors.DataError)):
        try:
            with raw.transaction(force_rollback=True), raw.cursor() as cursor:
                for (table, sql, _params), text in zip(statements, bound, strict=True):
                    try:
                        cursor.execute(text)
                    except psycopg.Error:
                        return table, sql
        except psycopg.Error:
            pass
    tables = ", ".join(dict.fromkeys(table for table, _sql, _params in statements))
    return tables, "; ".join(sql for _table, sql, _params in statements)


class MySQLConnector(SqlConnector):
    """MariaDB and MySQL via PyMySQL: unbuffered cursors stream, `max_statement_time` bounds."""

    text_cast = "CAST({} AS CHAR)"

    def create_engine(self, url: URL) -> Engine:
        limit = self.dataset.timeout_seconds
        engine = create_engine(
            url,
            pool_size=2,
            max_overflow=2,
            connect_args={
                "connect_timeout": 10,
                "read_timeout": int(limit) + 5,
                "write_timeout": int(limit) + 5,
            },
        )

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                if "mariadb" in dbapi_connection.get_server_info().lower():
                    cursor.execute("SET SESSION max_statement_time = %s", (limit,))
                else:
                    cursor.execute("SET SESSION max_execution_time = %s", (int(limit * 1000),))

        return engine

    def driver_errors(self) -> tuple[type[Exception], ...]:
        import pymysql

        return (pymysql.Error,)


class SQLiteConnector(SqlConnector):
    """SQLite: a progress handler aborts any statement that outlives the dataset's time limit."""

    param_marker = "?"

    def create_engine(self, url: URL) -> Engine:
        limit = self.dataset.timeout_seconds
        engine = create_engine(url, connect_args={"timeout": limit})

        @event.listens_for(engine, "connect")
        def _bound(dbapi_connection: Any, record: Any) -> None:
            deadline = [float("inf")]
            record.info["troth.deadline"] = deadline
            dbapi_connection.execute("PRAGMA foreign_keys=ON")
            dbapi_connection.set_progress_handler(lambda: int(time.monotonic() > deadline[0]), 10000)

        @event.listens_for(engine, "before_cursor_execute")
        def _start(connection: Connection, *_args: Any) -> None:
            deadline = connection.info.get("troth.deadline")
            if deadline is not None:
                deadline[0] = time.monotonic() + limit

        return engine

    def driver_errors(self) -> tuple[type[Exception], ...]:
        import sqlite3

        return (sqlite3.Error,)
