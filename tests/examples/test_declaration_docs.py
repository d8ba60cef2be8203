"""docs/declaration.md documents the format as the model defines it."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter

from troth.declaration import BUILTIN_CATEGORIES, JURISDICTIONS, LAWFUL_BASES, RIGHTS, Declaration

DOC = Path(__file__).resolve().parents[2] / "docs" / "declaration.md"


def _models(model: type[BaseModel], seen: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """Every model reachable from `model`, by class name."""
    if model.__name__ in seen:
        return seen
    seen[model.__name__] = model
    for info in model.model_fields.values():
        stack: list[object] = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _models(annotation, seen)
            stack.extend(typing.get_args(annotation))
    return seen


MODELS = _models(Declaration, {})


@pytest.fixture(scope="module")
def documented() -> set[str]:
    """Names written as `code` in the first column of the doc's tables."""
    text = DOC.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_field_is_documented(model: str, documented: set[str]) -> None:
    missing = [name for name in MODELS[model].model_fields if name not in documented]
    assert missing == [], f"{model}: fields missing from docs/declaration.md"


def test_reference_lists_are_complete(documented: set[str]) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert [c for c in BUILTIN_CATEGORIES if c not in documented] == []
    assert [j for j in JURISDICTIONS if j not in documented] == []
    assert [r for r in RIGHTS if r not in documented] == []
    assert [b for b in LAWFUL_BASES if f"`{b}`" not in text] == []


def test_section_examples_are_valid() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    checked = 0
    for block in blocks:
        data = yaml.safe_load(block)
        assert isinstance(data, dict)
        for key, value in data.items():
            field = Declaration.model_fields.get(key)
            if field is None or value in ({"...": None}, ["..."]):
                continue
            assert field.annotation is not None
            TypeAdapter(field.annotation).validate_python(value)
            checked += 1
    assert checked >= 15


def test_standard_section_ids_are_listed() -> None:
    from troth.notice import SECTION_IDS

    text = DOC.read_text(encoding="utf-8")
    assert [s for s in SECTION_IDS if f"`{s}`" not in text] == []
