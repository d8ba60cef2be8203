"""The restriction check API and the engine's console page."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from dsr_shop import DEMO, Shop

from troth.dsr.engine import execute, parse_identities
from troth.web._accounts import create_token


@pytest.fixture
def declaration_file(tmp_path: Path) -> Path:
    """The demo declaration with its shop datasets included."""
    text = (DEMO / "troth.yaml").read_text()
    assert "include: [datasets.yaml]" in text
    (tmp_path / "troth.yaml").write_text(text)
    shutil.copy(DEMO / "datasets.yaml", tmp_path / "datasets.yaml")
    return tmp_path / "troth.yaml"


def _token(runtime: Any, role: str) -> dict[str, str]:
    with runtime.sessions.begin() as session:
        return {"Authorization": f"Bearer {create_token(session, name=f'dsr-{role}', role=role)[1]}"}


def test_the_site_back_end_asks_whether_a_person_is_restricted(app_client: Any, shop: Shop) -> None:
    runtime = app_client.app.state.runtime
    agent = _token(runtime, "agent")
    url = "/api/v1/restrictions?kind=email&value=ann@example.org"
    assert app_client.get(url, headers=agent).json() == {"kind": "email", "restricted": False}
    execute(
        sessions=runtime.sessions,
        secret=runtime.settings.secret_key,
        declaration=shop.declaration,
        connectors=shop.connectors(),
        kind="restrict",
        identities=parse_identities(["email=ann@example.org"]),
    )
    assert app_client.get(url, headers=agent).json()["restricted"] is True
    assert app_client.get("/api/v1/restrictions?kind=user_id&value=1001", headers=agent).json()["restricted"]
    assert app_client.get(url, headers=_token(runtime, "auditor")).status_code == 403
    assert app_client.get(url).status_code == 401


def test_the_console_page_lists_runs_and_explains_the_search(app_client: Any, shop: Shop) -> None:
    runtime = app_client.app.state.runtime
    execute(
        sessions=runtime.sessions,
        secret=runtime.settings.secret_key,
        declaration=shop.declaration,
        connectors=shop.connectors(),
        kind="erase",
        identities=parse_identities(["email=ann@example.org"]),
    )
    page = app_client.get("/admin/engine", headers=_token(runtime, "auditor"))
    assert page.status_code == 200, page.text
    assert "completed" in page.text and "erase" in page.text
    assert "[hop 2] shop.order_item.order_id = shop.orders.id" in page.text
    assert "ann@example.org" not in page.text  # runs keep no personal data
