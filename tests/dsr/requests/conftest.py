"""Fixtures for the request lifecycle: a store, the demo declaration, and an engine stand-in.

`RecordingExecutor` plays the request engine (its own tests cover it): it
writes a small archive for access requests and reports erasures, and can be
told to fail its first runs.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from troth.declaration import Declaration, read
from troth.dsr.requests import ExecutionResult, RequestContext
from troth.mail import OutboxMessage
from troth.settings import Settings
from troth.store import open_store

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo" / "troth.yaml"


@dataclass
class RecordingExecutor:
    runs: list[tuple[str, str]] = field(default_factory=list)
    failures_left: int = 0

    def preview(self, identity: dict[str, str]) -> str:
        return f"customers by email = {identity.get('email')}"

    def run(
        self, *, request_id: str, kind: str, identity: dict[str, str], details: dict[str, Any], workdir: Path
    ) -> ExecutionResult:
        self.runs.append((request_id, kind))
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("the shop database went away")
        if kind in ("access", "portability"):
            archive = workdir / "export.zip"
            with zipfile.ZipFile(archive, "w") as out:
                out.writestr("data.json", json.dumps({"shop": {"customer": [identity]}}))
            return ExecutionResult(lines=["1 customer row"], categories=["contact.email"], archive=archive)
        return ExecutionResult(
            lines=["customer: 1 row deleted"],
            kept=["invoice: kept 10 years (tax law)"],
            categories=["contact.email", "identity.name"],
            counts={"deleted": 1},
        )


@dataclass
class Recorder:
    ids: list[int] = field(default_factory=list)

    def dispatch(self, step_ids: Iterable[int]) -> None:
        self.ids.extend(step_ids)


@pytest.fixture(scope="session")
def demo() -> Declaration:
    return read(DEMO).declaration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.for_declaration(
        tmp_path / "troth.yaml",
        secret_key="request-tests-" + "k" * 40,
        base_url="https://privacy.shop.example",
        mail_from="privacy@shop.example",
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    factory = open_store(settings)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture
def ctx(settings: Settings, demo: Declaration) -> RequestContext:
    return RequestContext(settings, demo, dispatcher=Recorder())


@pytest.fixture
def outbox(sessions: sessionmaker[Session]) -> Any:
    """`outbox(to=None)`: the emails queued so far, oldest first."""

    def read_outbox(to: str | None = None) -> list[OutboxMessage]:
        with sessions() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if to is not None:
                query = query.where(OutboxMessage.to_addr == to)
            return list(session.scalars(query))

    return read_outbox


@pytest.fixture
def executor() -> RecordingExecutor:
    return RecordingExecutor()


@pytest.fixture
def center(tmp_path: Path) -> Iterator[Any]:
    """A TestClient on troth with the privacy center and queue mounted, the engine played by a recorder.

    `center.agent` is an agent's bearer token; `center.desk` the request desk.
    """
    from fastapi.testclient import TestClient

    from troth.dsr._center_routes import admin_router, router
    from troth.dsr.requests._desk import RequestDesk
    from troth.web import Runtime, create_app
    from troth.web._accounts import create_token

    declaration = tmp_path / "troth.yaml"
    declaration.write_text(DEMO.read_text())
    (tmp_path / "datasets.yaml").write_text((DEMO.parent / "datasets.yaml").read_text())
    settings = Settings.for_declaration(declaration, secret_key="center-tests-" + "k" * 40)
    runtime = Runtime.start(settings)
    app = create_app(runtime)
    if not any(getattr(r, "path", "") == "/privacy-center" for r in app.routes):
        app.include_router(router)
        app.include_router(admin_router)
    desk = RequestDesk(
        settings,
        runtime.sessions,
        lambda: runtime.loaded.declaration,
        executor=RecordingExecutor(),
        threads=1,
    )
    app.state.request_desk = desk.start()
    with runtime.sessions.begin() as session:
        tokens = {
            role: create_token(session, name=f"t-{role}", role=role)[1] for role in ("agent", "auditor")
        }
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.agent = tokens["agent"]  # type: ignore[attr-defined]
        client.auditor = tokens["auditor"]  # type: ignore[attr-defined]
        client.desk = desk  # type: ignore[attr-defined]
        client.sessions = runtime.sessions  # type: ignore[attr-defined]
        yield client
    desk.stop()
    runtime.sessions.kw["bind"].dispose()


def demo_text() -> str:
    """The demo declaration with the shop's datasets (examples/demo/datasets.yaml) in place."""
    text = DEMO.read_text()
    datasets = (DEMO.parent / "datasets.yaml").read_text()
    assert "\ninclude: [datasets.yaml]\n" in text
    return text.replace("\ninclude: [datasets.yaml]\n", "\n" + datasets + "\n")


@pytest.fixture
def shop_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Declaration, Any]]:
    """The demo declaration with its datasets, over a fresh SQLite demo shop (`.engine`, `.url`)."""
    from dsr_shop import sqlite_shop

    from troth.declaration import read_text

    shop = sqlite_shop(tmp_path / "shop.db")
    monkeypatch.setenv("DEMO_SHOP_DATABASE_URL", shop.url)
    yield read_text(demo_text(), source="troth.yaml").declaration, shop
    shop.engine.dispose()
