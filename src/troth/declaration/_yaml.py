"""YAML to plain data, remembering where every value came from.

PyYAML's composer gives nodes with marks; we build the data ourselves so that
each key and item keeps its file, line and column, `include:` can be merged,
duplicate keys are errors, and YAML 1.1 surprises are avoided (`NO` — Norway —
stays a string; dates stay strings for the model to parse).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from troth._errors import DeclarationError, Location, Problem

__all__ = ["Located", "Path_", "compose_file", "compose_text", "flatten"]

Path_ = tuple[str | int, ...]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOLS = {"true": True, "false": False}
_MAX_NODES = 200_000
_MAX_BYTES = 5_000_000


@dataclass
class Located:
    """A value (dict / list / scalar of Located) with where it starts."""

    value: Any
    location: Location
    key_location: Location | None = None


def _problem(location: Location, message: str, *, hint: str = "", code: str = "TROTH001") -> Problem:
    return Problem(location=location, path="", message=message, hint=hint, code=code)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()
        self.problems: list[Problem] = []

    def where(self, mark: Any) -> Location:
        return Location(self.file, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, active: frozenset[int] = frozenset()) -> Located:
        self.count += 1
        if self.count > _MAX_NODES:
            raise DeclarationError(
                [_problem(self.where(node.start_mark), "the file is too large to be a declaration")]
            )
        if id(node) in active:
            raise DeclarationError([_problem(self.where(node.start_mark), "a YAML alias refers to itself")])
        here = self.where(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, here, active | {id(node)})
        if isinstance(node, yaml.SequenceNode):
            inner = active | {id(node)}
            return Located([self.build(item, inner) for item in node.value], here)
        return Located(self._scalar(node), here)

    def _mapping(self, node: yaml.MappingNode, here: Location, active: frozenset[int]) -> Located:
        out: dict[str, Located] = {}
        for key_node, value_node in node.value:
            key_where = self.where(key_node.start_mark)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    _problem(key_where, "YAML merge keys (`<<`) are not supported", hint="write the keys out")
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(_problem(key_where, "a key must be a plain word, not a list or mapping"))
                continue
            key = key_node.value
            if key in out:
                first = out[key].key_location
                self.problems.append(
                    _problem(
                        key_where,
                        f"duplicate key `{key}`",
                        hint=f"it is already defined at line {first.line if first else '?'}",
                    )
                )
                continue
            item = self.build(value_node, active)
            item.key_location = key_where
            out[str(key)] = item
        return Located(out, here)

    def _scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        raw = node.value
        if tag == "tag:yaml.org,2002:bool":
            return (
                _BOOLS.get(str(raw).lower(), raw)
                if str(raw) in {"true", "false", "True", "False", "TRUE", "FALSE"}
                else raw
            )
        if tag in {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}:
            return raw
        if tag in {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null"}:
            try:
                return self.constructor.construct_object(node)
            except (ValueError, yaml.YAMLError):
                return raw
        if tag == "tag:yaml.org,2002:str":
            return raw
        self.problems.append(
            _problem(self.where(node.start_mark), f"unsupported YAML tag `{tag}`", hint="remove the tag")
        )
        return raw


def compose_text(text: str, file: str) -> Located:
    """Parse YAML text into a located tree; raises DeclarationError on bad YAML."""
    if len(text) > _MAX_BYTES:
        raise DeclarationError([_problem(Location(file), "the file is too large to be a declaration")])
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        raise DeclarationError([_problem(location, f"invalid YAML: {reason}")]) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise DeclarationError([_problem(Location(file), f"invalid YAML: {exc}")]) from None
    if node is None:
        raise DeclarationError(
            [
                _problem(
                    Location(file, 1, 1),
                    "the file is empty",
                    hint="copy one of the declarations under examples/ to start",
                )
            ]
        )
    builder = _Builder(file)
    try:
        tree = builder.build(node)
    except RecursionError:
        raise DeclarationError([_problem(Location(file), "the YAML is nested too deeply")]) from None
    if builder.problems:
        raise DeclarationError(builder.problems)
    if not isinstance(tree.value, dict):
        raise DeclarationError(
            [
                _problem(
                    tree.location, "a declaration must be a mapping of sections (organization:, purposes:, …)"
                )
            ]
        )
    return tree


def compose_file(path: Path, *, display: str | None = None) -> Located:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeclarationError([_problem(Location(str(path)), "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DeclarationError([_problem(Location(str(path)), f"cannot read the file: {exc}")]) from None
    return compose_text(text, name)


def flatten(tree: Located, locations: dict[Path_, Location], path: Path_ = ()) -> Any:
    """Plain data from a located tree, filling `locations` with path → where."""
    locations[path] = tree.key_location or tree.location
    if isinstance(tree.value, dict):
        return {k: flatten(v, locations, (*path, k)) for k, v in tree.value.items()}
    if isinstance(tree.value, list):
        return [flatten(v, locations, (*path, i)) for i, v in enumerate(tree.value)]
    return tree.value
