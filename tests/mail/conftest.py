"""Fixtures for the outbox tests: a store and settings pointing at the test SMTP server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from troth.settings import Settings
from troth.store import open_store


def _mail_settings(store_url: str, state_dir: Path, *, smtp_port: int = 0) -> Settings:
    return Settings(
        database_url=store_url,
        secret_key="mail-test-" + "k" * 40,
        state_dir=state_dir,
        smtp_host="127.0.0.1" if smtp_port else "",
        smtp_port=smtp_port or 25,
        smtp_starttls=False,
        smtp_timeout=5,
        mail_from="Demo Shop <privacy@demo-shop.example.com>",
    )


@pytest.fixture
def mail_settings() -> Callable[..., Settings]:
    """Settings for a store URL and state folder; `smtp_port=` points them at an SMTP server."""
    return _mail_settings


@pytest.fixture
def sessions(store_url: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    factory = open_store(_mail_settings(store_url, tmp_path))
    yield factory
    factory.kw["bind"].dispose()
