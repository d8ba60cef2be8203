"""Reference problems of a declaration that does not validate, so one run of `troth check` shows both.

The model cannot be built while a value is invalid, and the reference checks
(unknown categories, countries, purposes, ...) need the model. So a copy of the
data is salvaged: a misspelt key is renamed to the required key it most looks
like, or else dropped; a value that is not one of the allowed words (alone or in
a list) is replaced by an allowed one; a wrong single value with a default falls
back to it. Nothing that other values refer to is touched (no list entry, no
list or mapping, no `id`), so the references found in the copy are true of the
file.
When the copy still does not validate after a few rounds, there is nothing to
add: the validation problems are reported alone, as before.
"""

from __future__ import annotations

import copy
import difflib
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from troth._errors import Location, Problem
from troth.declaration._declaration import Declaration
from troth.declaration._yaml import Path_, format_path

__all__ = ["salvaged_references"]

_ROUNDS = 3


def _parent(data: Any, path: Path_) -> Any:
    for part in path:
        inside = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        )
        if not inside:
            return None
        data = data[part]
    return data


def _literal_options(annotation: Any) -> tuple[Any, ...]:
    from troth.declaration._loader import _unwrap_optional

    annotation = _unwrap_optional(annotation)
    while get_origin(annotation) is Annotated:
        annotation = _unwrap_optional(get_args(annotation)[0])
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def _mend_listed_word(data: Any, loc: Path_) -> bool:
    """Replace a wrong word in a list of allowed words (`breach_channels: [email, pigeon]`) in place."""
    from troth.declaration._loader import _model_at, _unwrap

    holder, model = _parent(data, loc[:-1]), _model_at(loc[:-2])
    field = model.model_fields.get(str(loc[-2])) if model is not None else None
    options = _literal_options(_unwrap(field.annotation)) if field is not None else ()
    if not options or not isinstance(holder, list):
        return False
    holder[int(loc[-1])] = options[0]
    return True


def _mend(data: Any, errors: list[Any], mended: list[Path_]) -> bool:
    """Set aside each error's value in `data`, recording where; False when one cannot be."""
    from troth.declaration._loader import _clean_loc, _model_at

    located = [(_clean_loc(e["loc"], data), e["type"]) for e in errors]
    missing: dict[Path_, list[str]] = {}
    for loc, kind in located:
        if kind == "missing" and loc:
            missing.setdefault(loc[:-1], []).append(str(loc[-1]))
    for loc, kind in located:
        if kind == "missing":
            continue
        if kind == "literal_error" and len(loc) > 1 and isinstance(loc[-1], int):
            if not _mend_listed_word(data, loc):
                return False
            mended.append(loc)
            continue
        if not loc or not isinstance(loc[-1], str) or loc[-1] == "id":
            return False  # a list entry or an id: others may refer to it, so it stays
        holder = _parent(data, loc[:-1])
        if not isinstance(holder, dict) or loc[-1] not in holder:
            return False
        key = loc[-1]
        if kind == "extra_forbidden":
            value = holder.pop(key)
            near = difflib.get_close_matches(key, missing.get(loc[:-1], []), n=1, cutoff=0.6)
            if near:  # `legal_nme` was meant to be `legal_name`: keep its value under that name
                holder[near[0]] = value
                missing[loc[:-1]].remove(near[0])
                mended.append((*loc[:-1], near[0]))
            mended.append(loc)
            continue
        model = _model_at(loc[:-1])
        field = model.model_fields.get(key) if model is not None else None
        if field is None:
            return False
        options = _literal_options(field.annotation)
        default = field.get_default(call_default_factory=True)
        if options and kind == "literal_error":
            holder[key] = options[0]
        elif default is not PydanticUndefined and not isinstance(default, list | dict | BaseModel):
            holder.pop(key)  # a single value: falling back to the default hides nothing others name
        else:
            return False
        mended.append(loc)
    return all(not names for names in missing.values())


def salvaged_references(
    exc: ValidationError, data: Any, locations: dict[Path_, Location], source: str
) -> list[Problem]:
    """The reference problems of `data` that validation alone did not report."""
    from troth.declaration._loader import LoadedDeclaration
    from troth.declaration._references import check_references

    copied = copy.deepcopy(data)
    mended: list[Path_] = []
    errors = exc.errors(include_url=False)
    for _ in range(_ROUNDS):
        if not _mend(copied, errors, mended):
            return []
        try:
            declaration = Declaration.model_validate(copied)
        except ValidationError as again:
            errors = again.errors(include_url=False)
            continue
        loaded = LoadedDeclaration(declaration=declaration, source=source, locations=locations)
        covered = [format_path(path) for path in mended]
        return [
            p
            for p in check_references(loaded)
            if not any(p.path == c or p.path.startswith((f"{c}.", f"{c}[")) for c in covered)
        ]
    return []
