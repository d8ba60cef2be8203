"""Rectification and restriction: update every copy of a field, or flag the person's rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from troth.connectors import Operation, Rewrite, Update
from troth.declaration import Collection, Dataset, DatasetField
from troth.declaration._taxonomy import is_within
from troth.dsr.engine._erase import Outcome
from troth.dsr.engine._found import Found, FoundRow, Key
from troth.dsr.engine._graph import PlanError
from troth.dsr.engine._plan import Plan
from troth.dsr.engine._strategies import mention_pattern, redact_mentions

__all__ = ["parse_changes", "rectify_operations", "restrict_operations"]


def parse_changes(items: list[str]) -> dict[str, str]:
    """`["contact.email=new@x.org", "customer.phone=+44…"]` → {target: value}."""
    changes: dict[str, str] = {}
    for item in items:
        target, sep, value = item.partition("=")
        if not sep or not target.strip():
            raise PlanError(
                f"`{item}` is not a change: write category_or_field=value, e.g. contact.email=new@x.org"
            )
        changes[target.strip()] = value
    if not changes:
        raise PlanError("say what to correct, e.g. --set contact.email=new@example.org")
    return changes


def _matches(target: str, collection: Collection, f: DatasetField) -> bool:
    if target in (f.name, f"{collection.name}.{f.name}"):
        return True
    return any(is_within(category, target) for category in f.categories)


def check_targets(plan: Plan, changes: Mapping[str, Any]) -> None:
    for target in changes:
        if not any(
            _matches(target, c, f) for d in plan.graph.datasets for c in d.collections for f in c.fields
        ):
            raise PlanError(f"no dataset field is `{target}` or has that category")


def _grouped(
    rows: dict[Key, FoundRow], collection: Collection, fields: list[DatasetField]
) -> dict[tuple[str, ...], list[Key]]:
    groups: dict[tuple[str, ...], list[Key]] = {}
    for key, row in rows.items():
        own = tuple(f.name for f in fields if not f.owner or f.owner in row.vias)
        if own:
            groups.setdefault(own, []).append(key)
    return groups


def rectify_operations(
    dataset: Dataset, found: Found, changes: Mapping[str, Any]
) -> tuple[list[Operation], list[Outcome]]:
    """Set the new value in every field that holds it; in free text, replace the old value where mentioned."""
    ops: list[Operation] = []
    outcomes: list[Outcome] = []
    corrected: dict[str, Any] = {}  # identity kind → its new value
    for collection in dataset.collections:
        for f in collection.fields:
            for target, value in changes.items():
                if f.identity and _matches(target, collection, f):
                    corrected[f.identity] = value
    for collection in dataset.collections:
        rows = found.rows.get((dataset.id, collection.name), {})
        # free text is never overwritten as a whole: its mentions are corrected below
        fields = [
            f
            for f in collection.fields
            if not f.contains and any(_matches(t, collection, f) for t in changes)
        ]
        outcome = Outcome(dataset.id, collection.name)
        if rows and fields and collection.read_only:
            outcome.note = "read-only: corrected at its source"
        elif rows and fields:
            for names, keys in _grouped(rows, collection, fields).items():
                assignments = {
                    f.name: next(v for t, v in changes.items() if _matches(t, collection, f))
                    for f in fields
                    if f.name in names
                }
                ops.append(Update(collection.name, assignments, collection.primary_key, keys))
                outcome.updated += len(keys)
            outcome.note = "corrected: " + ", ".join(f.name for f in fields)
        for f in collection.fields:
            mentioned = found.mentions.get((dataset.id, collection.name, f.name), set())
            kinds = [k for k in f.contains if k in corrected]
            if mentioned and kinds and not collection.read_only:
                old = [v for k in kinds for v in found.identities.get(k, [])]
                rewrite = _replacer(f, mention_pattern(old), str(corrected[kinds[0]]))
                ops.append(
                    Rewrite(
                        collection.name, collection.primary_key, sorted(mentioned, key=repr), f.name, rewrite
                    )
                )
                outcome.mentions_redacted += len(mentioned)
        if outcome.updated or outcome.mentions_redacted or outcome.note:
            outcomes.append(outcome)
    return ops, outcomes


def _replacer(f: DatasetField, pattern: re.Pattern[str], new: str) -> Callable[[Any], Any]:
    return lambda value: redact_mentions(value, f, pattern, replacement=new)


def restrict_operations(
    dataset: Dataset, found: Found, *, lift: bool
) -> tuple[list[Operation], list[Outcome]]:
    ops: list[Operation] = []
    outcomes: list[Outcome] = []
    for collection in dataset.collections:
        rows = found.rows.get((dataset.id, collection.name), {})
        if not rows or not collection.restrict_column or collection.read_only:
            continue
        ops.append(
            Update(
                collection.name, {collection.restrict_column: not lift}, collection.primary_key, list(rows)
            )
        )
        verb = "lifted" if lift else "restricted"
        outcomes.append(
            Outcome(
                dataset.id,
                collection.name,
                updated=len(rows),
                note=f"{verb} ({collection.restrict_column})",
            )
        )
    return ops, outcomes
