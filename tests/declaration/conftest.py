"""Fixtures of the declaration tests: a fresh copy of the base declaration, loading, files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from declaration_base import BASE, Loader, dump

from troth.declaration import LoadedDeclaration, read_text


@pytest.fixture
def base() -> dict[str, Any]:
    """A fresh deep copy of the base declaration, to change in one test."""
    return copy.deepcopy(BASE)


@pytest.fixture
def load() -> Loader:
    def load_(data: dict[str, Any]) -> LoadedDeclaration:
        return read_text(dump(data), source="troth.yaml")

    return load_


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a file under a fresh folder and return its path."""

    def write_(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_
