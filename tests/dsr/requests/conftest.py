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
