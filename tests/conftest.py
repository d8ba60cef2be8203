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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
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


# ---------------------------------------------------------------- troth's store, app and mail

DEMO = EXAMPLES / "demo" / "troth.yaml"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty store: a SQLite file, or a fresh schema in the local PostgreSQL (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    import secrets

    from sqlalchemy import create_engine, text

    base = request.getfixturevalue("postgres_url")
    schema = f"troth_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def declaration_file(tmp_path: Path) -> Path:
    """A private copy of the demo declaration and the files it includes (tests may edit it);
    state goes to tmp_path/.troth."""
    target = tmp_path / "troth.yaml"
    target.write_text(DEMO.read_text())
    shutil.copy(DEMO.parent / "datasets.yaml", tmp_path / "datasets.yaml")
    return target


@pytest.fixture
def app_client(declaration_file: Path) -> Iterator[Any]:
    """A TestClient on a fresh troth (embedded SQLite); `client.app.state.runtime` is the Runtime."""
    from fastapi.testclient import TestClient

    from troth.settings import Settings
    from troth.web import Runtime, create_app

    settings = Settings.for_declaration(declaration_file, secret_key="test-secret-" + "x" * 40)
    runtime = Runtime.start(settings)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield client
    runtime.sessions.kw["bind"].dispose()


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Any]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback; received messages collect in `.messages`."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Collect(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, received)
    finally:
        controller.stop()
