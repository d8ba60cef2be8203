"""Load a declaration: YAML (with `include:`) → located data → typed model → reference checks.

Every problem becomes a `Problem` with file, line, column and field path; the
caller gets one `DeclarationError` listing them all, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from troth._errors import DeclarationError, Location, Problem
from troth.declaration._declaration import Declaration
from troth.declaration._types import Duration
from troth.declaration._yaml import Located, Path_, compose_file, compose_text, flatten, format_path

__all__ = ["LoadedDeclaration", "format_path", "load", "load_text", "read", "read_text", "suggest"]

_MAX_INCLUDE_DEPTH = 10


@dataclass(frozen=True)
class LoadedDeclaration:
    """A valid declaration and where each of its values is written."""

    declaration: Declaration
    source: str
    locations: dict[Path_, Location] = field(repr=False)

    def where(self, *path: str | int) -> Location:
        """The location of `path`, or of its nearest written ancestor."""
        return nearest(self.locations, path, self.source)

    @property
    def digest(self) -> str:
        """SHA-256 of the normalised declaration: equal content, equal digest."""
        normal = self.declaration.model_dump(mode="json")
        return hashlib.sha256(json.dumps(normal, sort_keys=True).encode()).hexdigest()


def nearest(locations: dict[Path_, Location], path: tuple[str | int, ...], source: str) -> Location:
    for end in range(len(path), -1, -1):
        found = locations.get(path[:end])
        if found is not None:
            return found
    return Location(source)


def suggest(value: object, options: list[str] | tuple[str, ...] | set[str]) -> str:
    """'did you mean `x`?' for the nearest valid option, or a list when nothing is near.

    Case is ignored (`GDPR` → `gdpr`), and a dotted id is also found by its last
    part (`email` → `contact.email`).
    """
    if not isinstance(value, str) or not options:
        return ""
    by_lower = {o.lower(): o for o in options}
    wanted = value.strip().lower()
    close = difflib.get_close_matches(wanted, list(by_lower), n=1, cutoff=0.6)
    if close and by_lower[close[0]] != value:
        return f"did you mean `{by_lower[close[0]]}`?"
    tails: dict[str, str] = {}
    for option in sorted(options, key=len):
        tails.setdefault(option.rsplit(".", 1)[-1].lower(), option)
    close = difflib.get_close_matches(wanted.rsplit(".", 1)[-1], list(tails), n=1, cutoff=0.75)
    if close and tails[close[0]] != value:
        return f"did you mean `{tails[close[0]]}`?"
    ordered = sorted(options)
    if len(ordered) <= 8:
        return "expected one of: " + ", ".join(f"`{o}`" for o in ordered)
    return ""


# ---------------------------------------------------------------- include


def _merge(base: Located, extra: Located, problems: list[Problem], path: Path_) -> None:
    """Merge an included file's mapping into the including one.

    Lists concatenate, mappings merge key by key, and a scalar set in both files
    is an error naming both places (unless both say the same thing).
    """
    for key, item in extra.value.items():
        if key not in base.value:
            base.value[key] = item
            continue
        mine = base.value[key]
        if isinstance(mine.value, list) and isinstance(item.value, list):
            mine.value.extend(item.value)
        elif isinstance(mine.value, dict) and isinstance(item.value, dict):
            _merge(mine, item, problems, (*path, key))
        elif type(mine.value) is not type(item.value) or mine.value != item.value:
            where = mine.key_location or mine.location
            problems.append(
                Problem(
                    item.key_location or item.location,
                    format_path((*path, key)),
                    f"`{format_path((*path, key))}` is set both here and at {where}",
                    hint="keep one of them (lists are joined and mappings merged, single values are not)",
                    code="TROTH006",
                )
            )


def _include_problem(item: Located, path: Path_, message: str, hint: str = "") -> Problem:
    return Problem(item.location, format_path(path), message, hint=hint, code="TROTH006")


def _resolve_includes(tree: Located, base: Path | None, display: str, seen: tuple[Path, ...]) -> Located:
    """Merge every file named by `include:` into `tree` (recursively).

    `base` is the including file (None for text), `display` its name as shown in
    errors; included files are shown relative to it, so an error in one points
    into that file.
    """
    include = tree.value.pop("include", None)
    if include is None:
        return tree
    listed = isinstance(include.value, list)
    items = include.value if listed else [include]
    problems: list[Problem] = []
    for index, item in enumerate(items):
        path: Path_ = ("include", index) if listed else ("include",)
        if not isinstance(item.value, str) or not item.value.strip():
            problems.append(_include_problem(item, path, "`include` takes file names, e.g. cookies.yaml"))
            continue
        if base is None:
            problems.append(_include_problem(item, path, "`include` needs a declaration read from a file"))
            continue
        name = item.value.strip()
        try:
            target = (base.parent / name).resolve()
            found = target.is_file()
        except (OSError, ValueError) as exc:
            problems.append(_include_problem(item, path, f"cannot use `{name}` as a file name: {exc}"))
            continue
        if target in seen:
            chain = " → ".join(p.name for p in (*seen, target))
            problems.append(_include_problem(item, path, f"`{name}` is already being included ({chain})"))
            continue
        if len(seen) > _MAX_INCLUDE_DEPTH:
            problems.append(
                _include_problem(item, path, f"includes are nested more than {_MAX_INCLUDE_DEPTH} deep")
            )
            continue
        if not found:
            problems.append(
                _include_problem(item, path, f"included file `{name}` not found", hint=f"looked for {target}")
            )
            continue
        shown = name if Path(name).is_absolute() else str(Path(display).parent / name)
        sub = compose_file(target, display=shown)
        sub = _resolve_includes(sub, target, shown, (*seen, target))
        _merge(tree, sub, problems, ())
    if problems:
        raise DeclarationError(problems)
    return tree


# ---------------------------------------------------------------- validation errors


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at `loc` (list indexes and dict keys skipped)."""
    annotation: Any = Declaration
    for part in loc:
        annotation = _unwrap_optional(annotation)
        if get_origin(annotation) in {list, tuple, set, frozenset, dict}:
            annotation = _unwrap(annotation)  # this part is an index or a key
            continue
        if isinstance(part, int) or not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        found = annotation.model_fields.get(part)
        if found is None:
            return None
        annotation = _unwrap_optional(found.annotation)
    annotation = _unwrap_optional(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


_UNIONS = {Union, UnionType}


def _unwrap_optional(annotation: Any) -> Any:
    """`X | None` → X; other annotations unchanged."""
    if get_origin(annotation) in _UNIONS:
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap_optional(members[0])
    return annotation


def _unwrap(annotation: Any) -> Any:
    """The element type of a list / the value type of a dict."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if not args:
        return None
    return _unwrap_optional(args[-1])


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's internal markers (union member names, validator names) from a loc."""
    out: list[str | int] = []
    node: Any = data
    for part in loc:
        if (isinstance(node, dict) and isinstance(part, str) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part] if isinstance(node, dict) else node[int(part)]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part not in node
            and not any(c in part for c in "[]-")
        ):
            out.append(part)  # a missing or unknown key: keep it, it names the problem
            node = None
    return tuple(out)


#: pydantic error type → what the file should have said there
_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list (lines starting with `- `, or [a, b])",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
    "model_attributes_type": "a mapping (`key: value` lines)",
    "date_type": "a date such as 2024-05-25",
    "date_parsing": "a date such as 2024-05-25",
    "date_from_datetime_parsing": "a date such as 2024-05-25",
    "url_type": "a URL such as https://example.com/privacy",
    "url_parsing": "a URL such as https://example.com/privacy",
    "url_scheme": "a URL starting with http:// or https://",
}


def _expected(annotation: Any) -> str:
    """What a field takes, in the words of the file: text, a list, a mapping, one of ..."""
    annotation = _unwrap_optional(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in get_args(annotation))
    if origin is Annotated:
        return _expected(get_args(annotation)[0])
    if origin in {list, tuple, set, frozenset}:
        return "a list"
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return "a mapping (`key: value` lines)"
    names = {
        str: "text",
        int: "a whole number",
        bool: "true or false",
        dt.date: "a date such as 2024-05-25",
        Duration: "a period such as `13 months`",
    }
    if isinstance(annotation, type) and annotation in names:
        return names[annotation]
    name = getattr(annotation, "__name__", "")
    return {"HttpUrl": "a URL", "EmailStr": "an email address"}.get(name, "")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = "null" if value is None else str(value)
    return f"`{text[:60]}…`" if len(text) > 60 else f"`{text}`"


def _problem_from_error(error: Any, data: Any, locations: dict[Path_, Location], source: str) -> Problem:
    loc = _clean_loc(error["loc"], data)
    kind = error["type"]
    where = nearest(locations, loc, source)
    message, hint, code = error["msg"], "", "TROTH002"
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        message, code = f"unknown key `{loc[-1]}`", "TROTH003"
        hint = suggest(loc[-1], allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else "")
    elif kind == "missing":
        model = _model_at(loc[:-1])
        info = model.model_fields.get(str(loc[-1])) if model else None
        message = f"missing required key `{loc[-1]}`"
        if info is not None:
            what = info.description or _expected(info.annotation)
            hint = f"add `{loc[-1]}:` here: {what}" if what else ""
        where = nearest(locations, loc[:-1], source)
    elif kind == "literal_error":
        expected = [
            o.strip().strip("'")
            for o in str(error.get("ctx", {}).get("expected", "")).replace(" or ", ",").split(",")
        ]
        expected = [o for o in expected if o]
        message = f"{_shown(error['input'])} is not allowed here"
        hint = suggest(error["input"], expected) or "expected one of: " + ", ".join(
            f"`{o}`" for o in expected
        )
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, found {_shown(error['input'])}"
    elif kind == "too_short" and isinstance(error["input"], list | dict):
        message = "must not be empty"
        hint = "list at least one entry"
    elif kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        message = f"{_shown(error['input'])}: {error['msg'].lower()}"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return Problem(where, format_path(loc), message, hint=hint, code=code)


def _problems_from_validation(
    exc: ValidationError, data: Any, locations: dict[Path_, Location], source: str
) -> list[Problem]:
    problems = [_problem_from_error(e, data, locations, source) for e in exc.errors(include_url=False)]
    return sorted(problems, key=lambda p: p.location)


def _validate(tree: Located, source: str) -> LoadedDeclaration:
    locations: dict[Path_, Location] = {}
    data = flatten(tree, locations)
    try:
        declaration = Declaration.model_validate(data)
    except ValidationError as exc:
        from troth.declaration._salvage import salvaged_references

        problems = _problems_from_validation(exc, data, locations, source)
        problems += salvaged_references(exc, data, locations, source)
        raise DeclarationError(sorted(problems, key=lambda p: p.location)) from None
    loaded = LoadedDeclaration(declaration=declaration, source=source, locations=locations)
    from troth.declaration._references import check_references

    problems = check_references(loaded)
    if problems:
        raise DeclarationError(problems)
    return loaded


# ---------------------------------------------------------------- entry points


def read(path: str | Path) -> LoadedDeclaration:
    """Load `path` and return the declaration with its source locations."""
    path = Path(path)
    if path.is_dir():
        path = path / "troth.yaml"
    tree = compose_file(path)
    resolved = path.resolve()
    tree = _resolve_includes(tree, resolved, str(path), (resolved,))
    return _validate(tree, str(path))


def read_text(text: str, *, source: str = "<declaration>", base_dir: Path | None = None) -> LoadedDeclaration:
    tree = compose_text(text, source)
    base = base_dir / Path(source).name if base_dir is not None else None
    tree = _resolve_includes(tree, base, source, () if base is None else (base.resolve(),))
    return _validate(tree, source)


def load(path: str | Path) -> Declaration:
    """Load and validate a declaration file; raises `DeclarationError` with locations."""
    return read(path).declaration


def load_text(text: str, *, source: str = "<declaration>") -> Declaration:
    return read_text(text, source=source).declaration
