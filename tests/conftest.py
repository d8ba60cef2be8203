"""Shared fixtures: the real services tests run against.

Each service is found through an environment variable with the local default.
When one is unreachable its tests skip with the reason, except under CI=true,
where a missing service or browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"
CHROMIUM = os.environ.get("TROTH_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


def require(available: bool, reason: str) -> None:
    """Skip when a service is missing; under CI a missing service is a failure."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required for CI: {reason}")
    pytest.skip(reason)


def _service_url(variable: str, default: str) -> str:
    url = os.environ.get(variable, default)
    require(_reachable(url), f"{variable}={url} is not reachable")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of the local PostgreSQL (database `test`)."""
    return _service_url("TROTH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    """SQLAlchemy URL of the local MariaDB (database `test`)."""
    return _service_url("TROTH_TEST_MARIADB_URL", "mysql+pymysql://root:@127.0.0.1:3306/test")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _service_url("TROTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    require(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    """One headless Chromium for the session (Playwright, Debian's binary)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()
