"""Whatever the input, loading ends in a declaration or in troth's own error with a location.

Random text, random byte damage to a valid file, and random structural damage
(deleted, duplicated, renamed and retyped keys) must never escape as another
exception, and every problem must say where it is. A declaration that loads
must also survive every lint rule.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from declaration_base import BASE, dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from troth import DeclarationError
from troth.declaration import BUILTIN_CATEGORIES, JURISDICTIONS, LAWFUL_BASES, RIGHTS, read, read_text
from troth.declaration._lint import run

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = dump(BASE)

_YAML_BITS = [
    ": ", "- ", "\n", "\n  ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!str ", "!x ", "# c", "'", '"',
    "|\n  ", ">-\n  ", "? ", "---\n", "...\n", "<<: ", "~", "null", "NO", "yes", "1e3", "0x1F", "12:30",
    "2024-01-01", "\t", "\\", "%YAML 1.1\n", "\ufeff", "é", "\x00", "organization", "purposes",
    "include", "age", "minimum", "contact.email",
]  # fmt: skip


def _check_loading(text: str) -> None:
    try:
        loaded = read_text(text, source="fuzz.yaml")
    except DeclarationError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.location.file == "fuzz.yaml"
            assert problem.location.line >= 1, problem.render()
            assert problem.location.column >= 1, problem.render()
            assert problem.message
        return
    for problem in run(loaded):
        assert problem.location.line >= 1


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    _check_loading(text)


@FUZZ
@given(st.lists(st.sampled_from(_YAML_BITS) | st.text(max_size=4), max_size=60).map("".join))
def test_random_yaml_like_text(text: str) -> None:
    _check_loading(text)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["replace", "insert", "delete"]),
            st.integers(0, len(VALID)),
            st.binary(max_size=3),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_byte_mutations_of_a_valid_file(tmp_path_factory: pytest.TempPathFactory, edits: list[Any]) -> None:
    data = bytearray(VALID.encode())
    for kind, at, chunk in edits:
        at = min(at, len(data))
        if kind == "replace":
            data[at : at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = chunk
        else:
            del data[at : at + 1 + len(chunk)]
    path = tmp_path_factory.getbasetemp() / "mutated.yaml"
    path.write_bytes(bytes(data))
    try:
        read(path)
    except DeclarationError as exc:
        for problem in exc.problems:
            assert problem.location.file == str(path)
            assert problem.location.line >= 1, problem.render()


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(BASE)
RETYPED = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
    st.sampled_from(["contact.emial", "gdrp", "NO", "13 months", "forever", "necessary", "consent"]),
)


@FUZZ
@given(
    st.lists(
        st.tuples(st.sampled_from(["delete", "retype", "rename"]), st.sampled_from(PATHS), RETYPED),
        min_size=1,
        max_size=4,
    )
)
def test_structural_mutations(edits: list[tuple[str, tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(BASE)
    for kind, path, value in edits:
        try:
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, dict | list):
            continue
        if kind == "delete":
            del parent[key]
        elif kind == "retype":
            parent[key] = value
        elif isinstance(parent, dict):
            parent[f"{key}{str(value)[:3]}" if value is not None else f"{key}s"] = parent.pop(key)
    _check_loading(dump(data))


@FUZZ
@given(st.integers(0, VALID.count("\n") - 1), st.integers(0, 3))
def test_duplicated_lines(line: int, times: int) -> None:
    lines = VALID.splitlines(keepends=True)
    lines[line:line] = [lines[line]] * (times + 1)
    _check_loading("".join(lines))


SECTIONS = list(BASE)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["a.yaml", "b.yaml", "sub/c.yaml", "troth.yaml"]),
        st.tuples(
            st.lists(
                st.sampled_from(["a.yaml", "b.yaml", "sub/c.yaml", "troth.yaml", "../a.yaml", "nope.yaml"]),
                max_size=3,
            ),
            st.lists(st.sampled_from(SECTIONS), max_size=4),
        ),
        min_size=1,
    )
)
def test_random_include_graphs(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Any]) -> None:
    """Sections spread over files that include each other (cycles, repeats, missing files)."""
    root = tmp_path_factory.mktemp("inc")
    for name, (includes, sections) in files.items():
        data: dict[str, Any] = {key: BASE[key] for key in sections}
        if includes:
            data["include"] = includes
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(dump(data) if data else "", encoding="utf-8")
    entry = root / "troth.yaml"
    if not entry.exists():
        entry.write_text(dump({"include": list(files)}), encoding="utf-8")
    try:
        read(entry)
    except DeclarationError as exc:
        for problem in exc.problems:
            assert Path(problem.location.file).resolve().is_relative_to(root.resolve()), problem.render()
            if problem.message != "file not found":
                assert problem.location.line >= 1, problem.render()


JURISDICTION_NAMES = sorted(JURISDICTIONS)
CATEGORY_IDS = sorted(BUILTIN_CATEGORIES)
COOKIE_KINDS = ["necessary", "functional", "analytics", "advertising", "social", "embedded"]


@st.composite
def valid_variants(draw: st.DrawFn) -> dict[str, Any]:
    """The base declaration with its choices redrawn: every law, category, basis and flag."""
    data = copy.deepcopy(BASE)
    served = draw(st.lists(st.sampled_from(JURISDICTION_NAMES), min_size=1, max_size=4, unique=True))
    data["organization"]["jurisdictions"] = served
    data["organization"]["country"] = draw(st.sampled_from(["GB", "DE", "US", "CH", "BR", "IN"]))
    data["rights"]["jurisdictions"] = {
        name: {"offered": draw(st.lists(st.sampled_from(sorted(RIGHTS)), min_size=1, unique=True))}
        for name in served
        if draw(st.booleans())
    }
    for purpose in data["purposes"]:
        purpose["lawful_basis"] = draw(st.sampled_from(LAWFUL_BASES))
        purpose["categories"] = draw(st.lists(st.sampled_from(CATEGORY_IDS), min_size=1, max_size=4))
        purpose["consent_category"] = draw(st.sampled_from(["", *COOKIE_KINDS]))
        for flag in ("sold", "shared", "automated"):
            purpose[flag] = draw(st.booleans())
    for recipient in data["recipients"]:
        recipient["country"] = draw(st.sampled_from(["US", "DE", "GB", "IN", "JP", "CH"]))
        recipient["transfer_safeguard"] = draw(st.sampled_from([None, "adequacy", "dpf", "scc", "none"]))
        recipient["dpa_signed"] = draw(st.sampled_from([None, True, False]))
    for cookie in data["cookies"]:
        cookie["category"] = draw(st.sampled_from(COOKIE_KINDS))
        cookie["lifetime"] = draw(st.sampled_from(["session", "1 day", "13 months", "2 years", 400]))
        cookie["party"] = draw(st.sampled_from(["first", "third"]))
    if draw(st.booleans()):
        data["retention"][1] = {"id": "stats", "categories": ["usage", "device"], "until": "erasure_request"}
    data["age"] = {"minimum": draw(st.integers(0, 21)), "parental_consent": draw(st.booleans())}
    data["signals"] = {"gpc": draw(st.sampled_from(["honour", "ignore"]))}
    data["marketing"] = {
        "email": draw(st.booleans()),
        "unsubscribe": draw(st.sampled_from(["one_click", "link", "none"])),
        "newsletters": [
            {
                "id": "news",
                "name": "News",
                "lawful_basis": draw(st.sampled_from(["consent", "legitimate_interests"])),
            }
        ],
    }
    return data


@FUZZ
@given(valid_variants())
def test_rules_survive_any_valid_declaration(data: dict[str, Any]) -> None:
    loaded = read_text(dump(data), source="fuzz.yaml")  # every variant is valid
    for problem in run(loaded):
        assert problem.code.startswith("TROTH1")
        assert problem.location.file == "fuzz.yaml"
        assert problem.location.line >= 1
        assert problem.message
