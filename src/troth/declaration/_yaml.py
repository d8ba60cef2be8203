"""YAML to plain data, remembering where every value came from.

We build the tree ourselves from the parser's event stream, with an explicit
stack rather than recursion, so that:

- each key and item keeps its file, line and column (for errors and lint);
- duplicate keys are errors, not a silent "last one wins";
- YAML 1.1 surprises are avoided: `NO` (the Norway problem), `yes`, `on` stay
  strings; dates stay strings for the model to parse;
- hostile input stays harmless: nesting depth and the number of values
  (aliases included, so no "billion laughs") are bounded, and libyaml's own
  recursive composer, which crashes the interpreter on deep nesting, is never
  used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from troth._errors import DeclarationError, Location, Problem

__all__ = ["MAX_DEPTH", "Located", "Path_", "compose_file", "compose_text", "flatten", "format_path"]

Path_ = tuple[str | int, ...]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = _RESOLVER.resolve
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MAX_VALUES = 200_000
_MAX_CHARS = 5_000_000
#: Deeper than any real declaration (the deepest is about 8 levels).
MAX_DEPTH = 64


@dataclass
class Located:
    """A value (dict / list / scalar of Located) with where it starts."""

    value: Any
    location: Location
    key_location: Location | None = None
    size: int = field(default=1, repr=False)


def format_path(path: tuple[Any, ...]) -> str:
    """`("purposes", 0, "categories")` -> `purposes[0].categories`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(location: Location, message: str, *, path: Path_ = (), hint: str = "") -> Problem:
    return Problem(location=location, path=format_path(path), message=message, hint=hint, code="TROTH001")


def _copy(tree: Located) -> Located:
    """A deep copy, so that an alias and its anchor never share mutable data."""
    if isinstance(tree.value, dict):
        value: Any = {k: _copy(v) for k, v in tree.value.items()}
    elif isinstance(tree.value, list):
        value = [_copy(v) for v in tree.value]
    else:
        value = tree.value
    return Located(value, tree.location, tree.key_location, tree.size)


@dataclass
class _Frame:
    """A mapping or sequence being built."""

    node: Located
    path: Path_
    anchor: str | None
    key: Located | None = None  # the mapping key waiting for its value
    key_ok: bool = True  # False when the pending key is unusable (its value is dropped)


class _Builder:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.count = 0
        self.problems: list[Problem] = []
        self.anchors: dict[str, Located] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.root: Located | None = None
        self.documents = 0

    def where(self, mark: Any) -> Location:
        return Location(self.file, mark.line + 1, mark.column + 1)

    def fail(self, location: Location, message: str, hint: str = "") -> DeclarationError:
        path = self.stack[-1].path if self.stack else ()
        return DeclarationError([*self.problems, _problem(location, message, path=path, hint=hint)])

    # -- events

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.fail(
                    self.where(event.start_mark),
                    "a declaration is one YAML document",
                    "remove the second `---`, or split with `include:`",
                )
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._check_tag(event, _MAP if isinstance(event, yaml.MappingStartEvent) else _SEQ)
            value: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
            node = Located(value, self.where(event.start_mark))
            if len(self.stack) >= MAX_DEPTH:
                raise self.fail(node.location, f"the YAML is nested more than {MAX_DEPTH} levels deep")
            self._count(node, 1)
            self.stack.append(_Frame(node, self._child_path(), event.anchor))
            if event.anchor:
                self.open_anchors.add(event.anchor)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = self.stack.pop()
            if frame.anchor:
                self.open_anchors.discard(frame.anchor)
                self.anchors[frame.anchor] = frame.node
            self._attach(frame.node)
        elif isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event)
            if self._expects_key() and value is not _MERGE:
                value = event.value  # keys are names: `1`, `no` and `null` stay as written
            node = Located(value, self.where(event.start_mark))
            self._count(node, 1)
            if event.anchor:
                self.anchors[event.anchor] = node
            self._attach(node)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)

    def _alias(self, event: yaml.AliasEvent) -> None:
        here = self.where(event.start_mark)
        name = event.anchor or ""
        if name in self.open_anchors:
            raise self.fail(here, f"the alias `*{name}` refers to a value that contains it")
        target = self.anchors.get(name)
        if target is None:
            raise self.fail(here, f"the alias `*{name}` has no anchor `&{name}` before it")
        copy = _copy(target)
        copy.location = here
        self._count(copy, target.size)
        self._attach(copy)

    def _expects_key(self) -> bool:
        if not self.stack:
            return False
        frame = self.stack[-1]
        return isinstance(frame.node.value, dict) and frame.key is None

    def _count(self, node: Located, size: int) -> None:
        self.count += size
        for frame in self.stack:
            frame.node.size += size
        if self.count > _MAX_VALUES:
            raise self.fail(node.location, "the file is too large to be a declaration")

    def _child_path(self) -> Path_:
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.node.value, list):
            return (*frame.path, len(frame.node.value))
        if frame.key is not None:
            return (*frame.path, str(frame.key.value))
        return frame.path

    def _attach(self, node: Located) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        if isinstance(frame.node.value, list):
            frame.node.value.append(node)
        elif frame.key is None:
            self._take_key(frame, node)
        else:
            key, frame.key = frame.key, None
            if frame.key_ok:
                node.key_location = key.location
                frame.node.value[str(key.value)] = node

    def _take_key(self, frame: _Frame, key: Located) -> None:
        frame.key, frame.key_ok = key, False
        if key.value is _MERGE:
            self.problems.append(
                _problem(key.location, "YAML merge keys (`<<`) are not supported", path=frame.path)
            )
        elif isinstance(key.value, dict | list):
            self.problems.append(
                _problem(key.location, "a key must be a plain word, not a list or mapping", path=frame.path)
            )
        elif str(key.value) in frame.node.value:
            first = frame.node.value[str(key.value)].key_location
            self.problems.append(
                _problem(
                    key.location,
                    f"duplicate key `{key.value}`",
                    path=(*frame.path, str(key.value)),
                    hint=f"it is already set at line {first.line if first else '?'}; keep one",
                )
            )
        else:
            frame.key_ok = True

    def _check_tag(self, event: Any, default: str) -> None:
        if event.tag not in {None, "!", default}:
            self._unsupported_tag(event, event.tag)

    def _unsupported_tag(self, event: Any, tag: str) -> None:
        self.problems.append(
            _problem(
                self.where(event.start_mark),
                f"unsupported YAML tag `{tag}`",
                path=self._child_path(),
                hint="remove the tag",
            )
        )

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        raw = event.value
        tag = event.tag
        if tag is None or tag == "!":
            tag = _resolve(yaml.ScalarNode, raw, event.implicit)
        if tag == _STR:
            return raw
        if tag == "tag:yaml.org,2002:merge":
            return _MERGE
        if tag == "tag:yaml.org,2002:bool":
            # Only true/false are booleans; yes/no/on/off (and Norway's NO) stay text.
            return _BOOLS.get(raw, raw)
        if tag in {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}:
            return raw
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag in {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}:
            node = yaml.ScalarNode(tag, raw)
            try:
                if tag.endswith("int"):
                    return _CONSTRUCTOR.construct_yaml_int(node)
                return _CONSTRUCTOR.construct_yaml_float(node)
            except (ValueError, yaml.YAMLError):
                return raw
        self._unsupported_tag(event, tag)
        return raw


#: Marks a `<<` merge key so the builder can refuse it.
_MERGE = object()


def _where_in_text(text: str, position: int, file: str) -> Location:
    before = text[:position]
    line = before.count("\n") + 1
    return Location(file, line, position - (before.rfind("\n") + 1) + 1)


#: what usually causes PyYAML's terser complaints, in the words of someone editing the file
_SYNTAX_HINTS = (
    ("tab character", "indent with spaces, not tabs"),
    (
        "mapping values are not allowed",
        "check the indentation of this line and the one before it, or put text containing `: ` in quotes",
    ),
    (
        "expected '-' indicator",
        "check the indentation: every entry of a list starts with `- ` at the same column",
    ),
    ("did not find expected key", "check the indentation: the keys of one mapping start at the same column"),
    ("expected <block end>", "check the indentation: a key is further left or right than its neighbours"),
    ("could not find expected ':'", "a `key: value` line lacks its colon, or a quote is not closed"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("expected ',' or ']'", "a `[` list is not closed with `]`"),
    ("expected ',' or '}'", "a `{` mapping is not closed with `}`"),
)


def _syntax_hint(reason: str, at: str) -> str:
    """A likely cause of `reason`; `at` is the character the parser stopped on."""
    if at == "\t":
        return "indent with spaces, not tabs"
    return next((hint for needle, hint in _SYNTAX_HINTS if needle in reason), "")


def compose_text(text: str, file: str) -> Located:
    """Parse YAML text into a located tree; raises DeclarationError on bad YAML."""
    if len(text) > _MAX_CHARS:
        raise DeclarationError([_problem(Location(file, 1, 1), "the file is too large to be a declaration")])
    builder = _Builder(file, text)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = builder.where(mark) if mark else Location(file, 1, 1)
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        if exc.context and exc.problem:
            reason = f"{reason} ({exc.context.strip()})"
        path = builder.stack[-1].path if builder.stack else ()
        problem = _problem(
            location,
            f"invalid YAML: {reason}",
            path=path,
            hint=_syntax_hint(reason, text[mark.index : mark.index + 1] if mark else ""),
        )
        raise DeclarationError([*builder.problems, problem]) from None
    except yaml.reader.ReaderError as exc:
        location = _where_in_text(text, exc.position, file)
        raise DeclarationError([_problem(location, f"invalid YAML: {exc.reason}")]) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise DeclarationError([_problem(Location(file, 1, 1), f"invalid YAML: {exc}")]) from None
    if builder.problems:
        raise DeclarationError(builder.problems)
    tree = builder.root
    if tree is None or tree.value is None:
        raise DeclarationError(
            [
                _problem(
                    Location(file, 1, 1),
                    "the file is empty",
                    hint="copy one of the declarations under examples/ to start",
                )
            ]
        )
    if not isinstance(tree.value, dict):
        raise DeclarationError(
            [
                _problem(
                    tree.location,
                    "a declaration must be a mapping of sections (organization:, purposes:, …)",
                    hint=f"found {_kind(tree.value)} instead",
                )
            ]
        )
    return tree


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a single value"


def compose_file(path: Path, *, display: str | None = None) -> Located:
    name = display or str(path)
    try:
        if path.stat().st_size > 4 * _MAX_CHARS:  # refuse before reading it all into memory
            raise DeclarationError(
                [_problem(Location(name, 1, 1), "the file is too large to be a declaration")]
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeclarationError([_problem(Location(name), "file not found")]) from None
    except IsADirectoryError:
        raise DeclarationError([_problem(Location(name), "is a folder, not a file")]) from None
    except UnicodeDecodeError as exc:
        location = Location(name, exc.object[: exc.start].count(b"\n") + 1, 1)
        raise DeclarationError([_problem(location, "the file is not UTF-8 text")]) from None
    except (OSError, ValueError) as exc:
        raise DeclarationError([_problem(Location(name), f"cannot read the file: {exc}")]) from None
    return compose_text(text, name)


def flatten(tree: Located, locations: dict[Path_, Location], path: Path_ = ()) -> Any:
    """Plain data from a located tree, filling `locations` with path → where.

    Depth is bounded by `MAX_DEPTH` (plus the include merge), so recursion is safe.
    """
    locations[path] = tree.key_location or tree.location
    if isinstance(tree.value, dict):
        return {k: flatten(v, locations, (*path, k)) for k, v in tree.value.items()}
    if isinstance(tree.value, list):
        return [flatten(v, locations, (*path, i)) for i, v in enumerate(tree.value)]
    return tree.value
