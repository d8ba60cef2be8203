"""Engines for troth's store: SQLite (WAL, foreign keys on) or PostgreSQL through psycopg 3."""

from __future__ import annotations

import time
import weakref
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from troth._errors import ConfigurationError, StoreError

if TYPE_CHECKING:
    from troth.settings import Settings

__all__ = ["autocommit", "make_engine", "normalise_url", "open_store"]

_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg", "sqlite": "sqlite"}


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` mean psycopg 3; anything else must name a known driver."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigurationError(f"TROTH_DATABASE_URL `{url}` is not a URL (e.g. postgresql://user@host/db)")
    scheme = _SCHEMES.get(scheme, scheme)
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
        raise ConfigurationError(f"troth's store runs on SQLite or PostgreSQL, not `{scheme}`")
    return f"{scheme}://{rest}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while the outbox sender or a worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; creates the SQLite file's folder when needed."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"TROTH_DATABASE_URL is invalid: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, connect_args={"connect_timeout": 10}, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "connect", _note_checkin)  # a connection just made needs no check
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


#: a pooled connection unused for this long is checked before it is handed out
IDLE_BEFORE_PING = 5.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["troth.checked_in"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check a connection that sat idle (the server may have restarted or dropped it) before use.

    A connection in steady use skips the check: every request or step would
    otherwise pay a round trip for it. One that fails is replaced by the pool.
    The price: a connection the server drops within those seconds of its last
    use fails its next statement once (a step retries; a page answers with an
    error), and the pool then starts afresh.
    """
    last = record.info.get("troth.checked_in")
    if last is not None and time.monotonic() - last < IDLE_BEFORE_PING:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception:
        alive = False
    if not alive:
        raise DisconnectionError("the store's connection was lost; reconnecting") from None


def open_store(settings: Settings, *, migrate: bool = True) -> sessionmaker[Session]:
    """Connect to the store, apply migrations up to every head, return a session factory."""
    from troth.store._migrate import upgrade

    if not settings.database_url:
        raise ConfigurationError("no database: set TROTH_DATABASE_URL or give a declaration")
    engine = make_engine(settings.database_url)
    try:
        if migrate:
            upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot open troth's store at {engine.url!r}: {exc.orig}") from None
    return sessionmaker(engine, expire_on_commit=False)


# keyed by the session factory, whose engine the value holds: a factory dropped frees both
_autocommitting: weakref.WeakKeyDictionary[sessionmaker[Session], Engine] = weakref.WeakKeyDictionary()


def autocommit(sessions: sessionmaker[Session]) -> Engine:
    """The store's engine for single statements that commit themselves.

    A one-statement transaction costs three round trips on PostgreSQL (BEGIN,
    the statement, COMMIT); in autocommit mode it costs one.
    """
    found = _autocommitting.get(sessions)
    if found is None:
        bind: Engine = sessions.kw["bind"]
        found = _autocommitting[sessions] = bind.execution_options(isolation_level="AUTOCOMMIT")
    return found
