"""`troth dsr …` from a terminal, on the demo shop in SQLite."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from dsr_shop import DEMO, HEADER, Shop
from typer.testing import CliRunner

from troth.cli import build_app


@pytest.fixture
def project(shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "troth.yaml"
    config.write_text(HEADER + (DEMO / "datasets.yaml").read_text())
    monkeypatch.setenv("DEMO_SHOP_DATABASE_URL", shop.url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TROTH_DATABASE_URL", raising=False)
    monkeypatch.delenv("TROTH_SECRET_KEY", raising=False)
    return config


def _run(*args: str) -> str:
    result = CliRunner().invoke(build_app("dsr"), ["dsr", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_plan_access_and_erase_from_the_command_line(project: Path, shop: Shop, tmp_path: Path) -> None:
    identity = ["--identity", "email=ann@example.org", "--config", str(project)]
    assert "[hop 2] shop.order_item.order_id = shop.orders.id" in _run("plan", *identity)

    out = tmp_path / "ann.zip"
    listing = _run("access", *identity, "--out", str(out))
    assert "shop.orders" in listing and "index.html" in zipfile.ZipFile(out).namelist()

    before = shop.snapshot()
    preview = _run("erase", *identity, "--dry-run")
    assert "Would: erase" in preview and "Tax law" in preview and shop.snapshot() == before

    done = _run("erase", *identity)
    assert "Done: erase" in done and "2034-03-01" in done
    assert [row[0] for row in shop.rows("customer")] == [0, 2, 3]


def test_bad_input_is_an_error_message_not_a_traceback(project: Path) -> None:
    result = CliRunner().invoke(
        build_app("dsr"), ["dsr", "plan", "--identity", "email", "--config", str(project)]
    )
    assert result.exit_code == 1 and "is not an identity" in result.output
    result = CliRunner().invoke(
        build_app("dsr"),
        ["dsr", "rectify", "--identity", "email=a@b.c", "--set", "shoe_size=9", "--config", str(project)],
    )
    assert result.exit_code == 1 and "no dataset field is `shoe_size`" in result.output
