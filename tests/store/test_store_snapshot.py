"""A new SQLite store is built from a snapshot of the migrations: it must be exactly what they create."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from troth.store import _snapshot as snapshot
from troth.store import current_revisions, downgrade, make_engine, upgrade
from troth.store._migrate import script_heads
from troth.store._sqlite_schema import HEADS, STATEMENTS


def _dump(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        found = snapshot.dump(connection)
    connection.close()
    return found


def test_the_snapshot_is_what_the_migrations_create_now(tmp_path):
    statements, heads = snapshot._from_migrations(tmp_path)
    stale = "the SQLite snapshot is stale: run `python -m troth.store._snapshot` and commit the result"
    assert set(HEADS) == heads == script_heads(), stale
    assert list(STATEMENTS) == statements, stale


def test_an_empty_sqlite_store_is_built_from_the_snapshot_and_alembic_takes_it_from_there(
    tmp_path, monkeypatch
):
    built = []
    real = snapshot.apply_snapshot
    monkeypatch.setattr(snapshot, "apply_snapshot", lambda *a: built.append(real(*a)) or built[-1])
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        upgrade(engine)
        assert built == [True]
        assert current_revisions(engine) == set(HEADS)
        assert _dump(tmp_path / "state.db") == list(STATEMENTS)
        downgrade(engine, "base")  # reversible like any migrated store
        assert current_revisions(engine) == set()
        upgrade(engine)  # not empty (Alembic's table is left): the migrations run
        assert built == [True, False]
        assert _dump(tmp_path / "state.db") == list(STATEMENTS)
    finally:
        engine.dispose()


def test_the_snapshot_is_not_used_on_a_store_that_has_anything_in_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE site_notes (id INTEGER PRIMARY KEY)")
        assert snapshot.apply_snapshot(engine, set(HEADS)) is False
        assert _dump(tmp_path / "state.db") == ["CREATE TABLE site_notes (id INTEGER PRIMARY KEY)"]
    finally:
        engine.dispose()


def test_a_snapshot_of_other_revisions_is_not_used(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        assert snapshot.apply_snapshot(engine, {*HEADS, "0099_future"}) is False
        assert snapshot.apply_snapshot(engine, None) is False
        assert _dump(tmp_path / "state.db") == []
    finally:
        engine.dispose()


def test_a_failing_statement_leaves_the_store_empty(tmp_path, monkeypatch):
    import troth.store._sqlite_schema as schema

    monkeypatch.setattr(schema, "STATEMENTS", (*STATEMENTS[:3], "CREATE TABLE broken ("))
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        with pytest.raises(sqlite3.OperationalError):
            snapshot.apply_snapshot(engine, set(HEADS))
        assert _dump(tmp_path / "state.db") == []
    finally:
        engine.dispose()


def test_two_processes_starting_on_one_new_store_build_it_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.db'}"
    engines = [make_engine(url), make_engine(url)]
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def build(engine) -> None:
        barrier.wait()
        results.append(snapshot.apply_snapshot(engine, set(HEADS)))

    threads = [threading.Thread(target=build, args=(engine,)) for engine in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False, True]
        assert _dump(tmp_path / "state.db") == list(STATEMENTS)
    finally:
        for engine in engines:
            engine.dispose()
