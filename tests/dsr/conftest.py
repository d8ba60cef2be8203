"""Fixtures: the demo shop on each engine, and a migrated troth store."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dsr_shop import Shop, drop_shop, mariadb_shop, postgres_shop, sqlite_shop
from sqlalchemy.orm import Session, sessionmaker

from troth.store import make_engine, upgrade


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    made = sqlite_shop(tmp_path / "shop.db")
    yield made
    made.engine.dispose()


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def store(store_template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A fresh, migrated troth store (a copy of one migrated once per session)."""
    path = tmp_path / f"store-{uuid.uuid4().hex[:8]}.db"
    shutil.copy(store_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def any_shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    """The demo shop, freshly loaded, on each engine (PostgreSQL in its own schema, MariaDB its own database)."""
    if request.param == "sqlite":
        made = sqlite_shop(tmp_path / "shop.db")
    elif request.param == "postgres":
        made = postgres_shop(request.getfixturevalue("postgres_url"))
    else:
        made = mariadb_shop(request.getfixturevalue("mariadb_url"))
    yield made
    drop_shop(made)
