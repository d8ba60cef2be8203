"""docs/render.md stays true to the code: every section id and register column is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from troth.notice import SECTION_IDS
from troth.notice._registers import COOKIE_HEADERS, RECIPIENT_HEADERS, ROPA_HEADERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "render.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_section_ids_are_documented_in_order(doc: str) -> None:
    documented = re.findall(r"^\| `([a-z-]+)` \|", doc, flags=re.M)
    assert documented == list(SECTION_IDS)


@pytest.mark.parametrize(
    ("register", "headers"),
    [("ropa.csv", ROPA_HEADERS), ("recipients.csv", RECIPIENT_HEADERS), ("cookies.csv", COOKIE_HEADERS)],
)
def test_register_columns_are_documented(doc: str, register: str, headers: tuple[str, ...]) -> None:
    paragraph = next(p for p in doc.split("\n\n") if p.startswith(f"`{register}` columns:"))
    named = re.findall(r"`([a-z_]+)`", paragraph.split(":", 1)[1])
    assert [n for n in named if n in headers] == list(headers)
