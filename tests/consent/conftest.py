"""Consent fixtures: the test shop's declaration and a ledger database (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from troth.consent._banner import BannerConfig
from troth.declaration import Declaration, load
from troth.store._base import Base

SHOP = Path(__file__).with_name("shop.yaml")
SECRET = "consent-tests-secret-key-0123456789"


@pytest.fixture(scope="session")
def shop() -> Declaration:
    return load(SHOP)


@pytest.fixture(scope="session")
def config(shop: Declaration) -> BannerConfig:
    return BannerConfig.from_declaration(shop)


def _postgres_engine(url: str) -> Iterator[Engine]:
    schema = f"consent_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=10)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh ledger database: a SQLite file, or a throw-away schema in the local PostgreSQL."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    for engine in _postgres_engine(url):
        Base.metadata.create_all(engine)
        yield engine


@pytest.fixture
def ledger(ledger_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(ledger_engine, expire_on_commit=False)
