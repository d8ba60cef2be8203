"""Fixtures for the step runner: a store holding only the step table and `started` / `outcome` tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from troth.jobs import JobStep
from troth.store import make_engine


def _create(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    JobStep.__table__.create(engine)  # type: ignore[attr-defined]
    key = "serial primary key" if engine.dialect.name == "postgresql" else "integer primary key"
    with engine.begin() as connection:  # what handlers under test write: one row per start / finish
        connection.execute(text(f"CREATE TABLE outcome (id {key}, subject varchar(64), worker varchar(64))"))
        connection.execute(text(f"CREATE TABLE started (id {key}, subject varchar(64), pid integer)"))
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The step runner's store on SQLite, and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        factory = _create(f"sqlite:///{tmp_path / 'jobs.db'}")
    else:
        factory = sessionmaker(make_engine(request.getfixturevalue("pg_store_url")), expire_on_commit=False)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture
def pg_store_url(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"troth_jobs_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    _create(url).kw["bind"].dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
