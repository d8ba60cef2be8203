"""Load a declaration: YAML (with `include:`) → located data → typed model → reference checks.

Every problem becomes a `Problem` with file, line, column and field path; the
caller gets one `DeclarationError` listing them all, never a traceback.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from troth._errors import DeclarationError, Location, Problem
from troth.declaration._declaration import Declaration
from troth.declaration._yaml import Located, Path_, compose_file, compose_text, flatten

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


def format_path(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def suggest(value: object, options: list[str] | tuple[str, ...] | set[str]) -> str:
    """'did you mean `x`?' for the nearest valid option, or a list when nothing is near."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    ordered = sorted(options)
    if len(ordered) <= 8:
        return "expected one of: " + ", ".join(f"`{o}`" for o in ordered)
    return ""


# ---------------------------------------------------------------- include


def _merge(base: Located, extra: Located, problems: list[Problem], path: Path_) -> None:
    """Merge an included file's mapping into the including one (lists concatenate)."""
    for key, item in extra.value.items():
        if key not in base.value:
            base.value[key] = item
            continue
        mine = base.value[key]
        if isinstance(mine.value, list) and isinstance(item.value, list):
            mine.value.extend(item.value)
        elif isinstance(mine.value, dict) and isinstance(item.value, dict):
            _merge(mine, item, problems, (*path, key))
        else:
            where = mine.key_location or mine.location
            problems.append(
                Problem(
                    item.key_location or item.location,
                    format_path((*path, key)),
                    f"`{key}` is set both here and at {where}",
                    hint="keep one of them",
                    code="TROTH006",
                )
            )


def _resolve_includes(tree: Located, base_dir: Path | None, seen: tuple[Path, ...]) -> Located:
    include = tree.value.pop("include", None)
    if include is None:
        return tree
    items = include.value if isinstance(include.value, list) else [include]
    problems: list[Problem] = []
    for item in items:
        if not isinstance(item.value, str) or not item.value.strip():
            problems.append(Problem(item.location, "include", "`include` takes file names", code="TROTH006"))
            continue
        if base_dir is None:
            problems.append(
                Problem(
                    item.location,
                    "include",
                    "`include` needs a declaration read from a file",
                    code="TROTH006",
                )
            )
            continue
        target = (base_dir / item.value).resolve()
        if target in seen or len(seen) > _MAX_INCLUDE_DEPTH:
            problems.append(
                Problem(item.location, "include", f"`{item.value}` includes itself", code="TROTH006")
            )
            continue
        if not target.is_file():
            problems.append(
                Problem(
                    item.location,
                    "include",
                    f"included file `{item.value}` not found",
                    hint=f"looked at {target}",
                    code="TROTH006",
                )
            )
            continue
        sub = compose_file(
            target, display=str(Path(item.value) if not Path(item.value).is_absolute() else target)
        )
        sub = _resolve_includes(sub, target.parent, (*seen, target))
        _merge(tree, sub, problems, ())
    if problems:
        raise DeclarationError(problems)
    return tree


# ---------------------------------------------------------------- validation errors


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at `loc`."""
    model: Any = Declaration
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        model = _inner_model(fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's internal markers (union member names, validator names) from a loc."""
    out: list[str | int] = []
    node: Any = data
    for part in loc:
        if (isinstance(node, dict) and isinstance(part, str) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]  # type: ignore[index]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part not in node
            and not any(c in part for c in "[]-")
        ):
            out.append(part)  # a missing or unknown key: keep it, it names the problem
            node = None
    return tuple(out)


def _problems_from_validation(
    exc: ValidationError, data: Any, locations: dict[Path_, Location], source: str
) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"], data)
        kind = error["type"]
        hint = ""
        code = "TROTH002"
        message = error["msg"]
        if kind == "extra_forbidden":
            code = "TROTH003"
            parent = _model_at(loc[:-1])
            allowed = sorted(parent.model_fields) if parent else []
            message = f"unknown key `{loc[-1]}`"
            hint = suggest(loc[-1], allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else "")
        elif kind == "missing":
            message = f"missing required key `{loc[-1]}`"
            where = nearest(locations, loc[:-1], source)
            problems.append(Problem(where, format_path(loc), message, code=code))
            continue
        elif kind == "literal_error":
            expected = [
                o.strip().strip("'")
                for o in str(error.get("ctx", {}).get("expected", "")).replace(" or ", ",").split(",")
            ]
            expected = [o for o in expected if o]
            message = f"`{error['input']}` is not allowed here"
            hint = suggest(error["input"], expected) or "expected one of: " + ", ".join(
                f"`{o}`" for o in expected
            )
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        problems.append(
            Problem(nearest(locations, loc, source), format_path(loc), message, hint=hint, code=code)
        )
    return sorted(problems, key=lambda p: p.location)


def _validate(tree: Located, source: str) -> LoadedDeclaration:
    locations: dict[Path_, Location] = {}
    data = flatten(tree, locations)
    try:
        declaration = Declaration.model_validate(data)
    except ValidationError as exc:
        raise DeclarationError(_problems_from_validation(exc, data, locations, source)) from None
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
    tree = _resolve_includes(tree, path.resolve().parent, (path.resolve(),))
    return _validate(tree, str(path))


def read_text(text: str, *, source: str = "<declaration>", base_dir: Path | None = None) -> LoadedDeclaration:
    tree = compose_text(text, source)
    tree = _resolve_includes(tree, base_dir, ())
    return _validate(tree, source)


def load(path: str | Path) -> Declaration:
    """Load and validate a declaration file; raises `DeclarationError` with locations."""
    return read(path).declaration


def load_text(text: str, *, source: str = "<declaration>") -> Declaration:
    return read_text(text, source=source).declaration
