"""The rich declaration every notice test renders, and a way to vary it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from troth.declaration import Declaration, load_text

RICH = Path(__file__).with_name("rich.yaml")


def rich_data() -> dict[str, Any]:
    return yaml.safe_load(RICH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def rich_path() -> Path:
    return RICH


@pytest.fixture(scope="session")
def rich() -> Declaration:
    return load_text(RICH.read_text(encoding="utf-8"), source=str(RICH))


@pytest.fixture
def variant() -> Callable[[Callable[[dict[str, Any]], None]], Declaration]:
    """A copy of the rich declaration changed by `edit(data)`, loaded through the real loader."""

    def make(edit: Callable[[dict[str, Any]], None]) -> Declaration:
        data = rich_data()
        edit(data)
        return load_text(yaml.safe_dump(data, allow_unicode=True))

    return make
