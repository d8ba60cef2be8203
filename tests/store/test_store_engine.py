"""The store's connection pool: a connection in steady use is not pinged; an idle, dead one is replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from troth.store import _engine, make_engine


def test_only_idle_connections_are_checked_and_a_dead_one_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url)
    pings: list[object] = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return bool(original(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    try:
        with engine.connect() as connection:  # a connection just made needs no check
            first = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        for _ in range(5):  # in steady use: no round trip spent on checks
            with engine.connect() as connection:
                assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == first
        assert pings == []

        # the server drops the connection while it sits idle in the pool
        admin = make_engine(postgres_url)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        monkeypatch.setattr(_engine, "IDLE_BEFORE_PING", 0.0)
        with engine.connect() as connection:  # checked, found dead, replaced: the caller sees no error
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
        assert len(pings) >= 1
    finally:
        engine.dispose()
