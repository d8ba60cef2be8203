"""Consent fixtures: the test shop's declaration and a ledger database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from troth.consent._banner import BannerConfig
from troth.declaration import Declaration, load
from troth.settings import Settings
from troth.store import make_engine, upgrade
from troth.web import Runtime, create_app

SHOP = Path(__file__).with_name("shop.yaml")
SECRET = "consent-tests-secret-key-0123456789"


@pytest.fixture(scope="session")
def shop() -> Declaration:
    return load(SHOP)


@pytest.fixture(scope="session")
def config(shop: Declaration) -> BannerConfig:
    return BannerConfig.from_declaration(shop)


@pytest.fixture
def ledger(store_url: str) -> Iterator[sessionmaker[Session]]:
    """A migrated, empty store (SQLite file or a throw-away PostgreSQL schema)."""
    engine = make_engine(store_url)
    upgrade(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient on troth serving the test shop."""
    settings = Settings.for_declaration(
        SHOP, state_dir=tmp_path / ".troth", secret_key=SECRET, database_url=store_url
    )
    runtime = Runtime.start(settings)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client
    runtime.sessions.kw["bind"].dispose()
