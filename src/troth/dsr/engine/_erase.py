"""Erasure of one dataset: the operations, in an order the database accepts, and what they mean.

Per collection, children before parents: anonymise the rows that stay
(legal holds, shared rows, collections that only blank fields), redact
mentions in free text, re-point every link into the rows about to go (to
NULL, or to the tombstone row where the link is NOT NULL), then delete.
Counts in the outcome come from the collected keys, not from the database's
row counts, so a resumed run reports exactly what a clean run reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from troth.connectors import Delete, EnsureRow, Operation, Relink, Remote, Rewrite, Update, UpdateEach
from troth.declaration import Collection, Dataset, DatasetField
from troth.dsr.engine._found import Found, FoundRow, Key
from troth.dsr.engine._plan import Plan
from troth.dsr.engine._strategies import mention_pattern, redact_mentions

__all__ = ["Outcome", "erasure_operations", "remote_operations"]


@dataclass
class Outcome:
    dataset: str
    collection: str
    deleted: int = 0
    anonymised: int = 0
    updated: int = 0
    retained: int = 0
    mentions_redacted: int = 0
    reason: str = ""
    until: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        # every field is a plain value: a shallow copy is the same as `dataclasses.asdict`, without its deep walk
        return dict(vars(self))

    @property
    def empty(self) -> bool:
        counts = (self.deleted, self.anonymised, self.updated, self.retained, self.mentions_redacted)
        return not any(counts) and not self.note


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _held_until(collection: Collection, row: FoundRow, today: dt.date) -> tuple[dt.date, str] | None:
    """The date the row's legal hold ends and its reason, or None when nothing holds it."""
    latest: tuple[dt.date, str] | None = None
    for f in collection.fields:
        if f.keep is None:
            continue
        start = _as_date(row.since.get(f.keep.since)) if f.keep.since else today
        until = (start or today) + dt.timedelta(days=round(f.keep.period.days))
        if until > today and (latest is None or until > latest[0]):
            latest = (until, f.keep.reason)
    return latest


def _assignment(f: DatasetField, dataset: Dataset) -> tuple[bool, Any]:
    """(changes?, value) for a field of a row that stays."""
    action = f.action
    if action == "null":
        return True, None
    if action == "redact":
        return True, f.redact_with
    if action == "tombstone" and f.references is not None:
        target = dataset.collection(f.references.collection)
        if target is not None and target.tombstone is not None:
            return True, target.tombstone.get(f.references.field)
    return False, None


def _anonymise(
    dataset: Dataset, collection: Collection, rows: dict[Key, FoundRow], fields: Sequence[DatasetField]
) -> list[Operation]:
    """Updates that blank `fields` (per row: only the fields it owns, for shared rows)."""
    ops: list[Operation] = []
    groups: dict[tuple[str, ...], list[Key]] = {}
    for key, row in rows.items():
        own = tuple(f.name for f in fields if not f.owner or f.owner in row.vias)
        groups.setdefault(own, []).append(key)
    for names, keys in groups.items():
        chosen = [f for f in fields if f.name in names]
        assignments = {}
        for f in chosen:
            changes, value = _assignment(f, dataset)
            if changes:
                assignments[f.name] = value
        if assignments:
            ops.append(Update(collection.name, assignments, collection.primary_key, keys))
        hashed = [f.name for f in chosen if f.action == "hash"]
        if hashed:
            per_row = [(k, {n: rows[k].hashes.get(n) for n in hashed}) for k in keys]
            ops.append(UpdateEach(collection.name, collection.primary_key, per_row))
    return ops


@dataclass(frozen=True)
class _Shape:
    """What erasure needs to know about one collection: it depends on the plan only."""

    collection: Collection
    tomb: tuple[Any, ...] | None
    removable: bool
    holds: bool
    blanked: list[DatasetField]
    mentioned: list[DatasetField]
    tombstones: list[tuple[str, EnsureRow]]


def _shapes(plan: Plan, dataset: Dataset) -> list[_Shape]:
    """Per collection in erasure order, worked out once per plan."""
    key = ("erase-shapes", dataset.id)
    found: list[_Shape] | None = plan.cache.get(key)
    if found is not None:
        return found
    found = []
    for name in plan.erasure_order.get(dataset.id, []):
        collection = dataset.collection(name)
        assert collection is not None
        blanked = [
            f for f in collection.fields if f.action in ("null", "redact", "hash", "tombstone", "delete_row")
        ]
        if collection.shared:
            blanked = [f for f in blanked if f.owner]
        blanked = [_as_null(f) for f in blanked if f.action != "delete_row" or collection.shared]
        tombstones = []
        for f in collection.fields:
            if f.action == "tombstone" and f.references is not None:
                target = dataset.collection(f.references.collection)
                if target is not None and target.tombstone is not None:
                    tomb_row = EnsureRow(target.name, target.primary_key, dict(target.tombstone))
                    tombstones.append((target.name, tomb_row))
        found.append(
            _Shape(
                collection=collection,
                tomb=(
                    tuple(collection.tombstone.get(c) for c in collection.primary_key)
                    if collection.tombstone
                    else None
                ),
                removable=collection.deletes_rows and not collection.shared,
                holds=any(f.keep is not None for f in collection.fields),
                blanked=blanked,
                mentioned=list(collection.fields),
                tombstones=tombstones,
            )
        )
    plan.cache[key] = found
    return found


def erasure_operations(
    plan: Plan, dataset: Dataset, found: Found, *, today: dt.date
) -> tuple[list[Operation], list[Outcome]]:
    ops: list[Operation] = []
    outcomes: list[Outcome] = []
    ensure: dict[str, EnsureRow] = {}
    deleted_refs: dict[str, dict[str, list[Any]]] = {}
    needles = [v for vs in found.identities.values() for v in vs]
    pattern = mention_pattern(needles) if found.mentions else None
    for shape in _shapes(plan, dataset):
        collection = shape.collection
        name = collection.name
        rows = found.rows.get((dataset.id, name), {})
        outcome = Outcome(dataset.id, name)
        deleting: list[Key] = []
        staying: dict[Key, FoundRow] = {}
        for key, row in rows.items():
            if key == shape.tomb:
                continue
            hold = _held_until(collection, row, today) if shape.holds else None
            if hold is not None:
                outcome.retained += 1
                outcome.reason = hold[1]
                outcome.until = max(outcome.until, hold[0].isoformat())
                staying[key] = row
            elif shape.removable:
                deleting.append(key)
            else:
                staying[key] = row
        anonymise = _anonymise(dataset, collection, staying, shape.blanked) if staying else []
        if anonymise:
            outcome.anonymised = len(staying) - outcome.retained if not collection.shared else len(staying)
            ops.extend(anonymise)
        if found.mentions:
            for f in shape.mentioned:
                keys = found.mentions.get((dataset.id, name, f.name), set()) - set(deleting)
                if keys:
                    outcome.mentions_redacted += len(keys)
                    ops.append(
                        Rewrite(
                            name,
                            collection.primary_key,
                            sorted(keys, key=repr),
                            f.name,
                            _redactor(f, pattern),
                        )
                    )
        if deleting:
            refs = deleted_refs.setdefault(name, {})
            for key in deleting:
                for column, value in rows[key].refs.items():
                    if value is not None:
                        refs.setdefault(column, []).append(value)
            ops.extend(_relinks(dataset, collection, refs, ensure))
            ops.append(Delete(name, collection.primary_key, deleting))
            outcome.deleted = len(deleting)
        if staying:
            for target, tomb_row in shape.tombstones:
                ensure.setdefault(target, tomb_row)
        outcomes.append(outcome)
    for collection in dataset.collections:
        if collection.read_only and found.rows.get((dataset.id, collection.name)):
            note = "read-only (a view): erased through the tables it shows"
            outcomes.append(Outcome(dataset.id, collection.name, note=note))
    return [*ensure.values(), *ops], [o for o in outcomes if not o.empty]


def _as_null(f: DatasetField) -> DatasetField:
    """On a row that stays, a `delete_row` marker of a shared row's owned field blanks it."""
    return f.model_copy(update={"erase": "null"}) if f.action == "delete_row" else f


def _redactor(f: DatasetField, pattern: Any) -> Any:
    return lambda value: redact_mentions(value, f, pattern)


def _relinks(
    dataset: Dataset, target: Collection, refs: dict[str, list[Any]], ensure: dict[str, EnsureRow]
) -> list[Operation]:
    """Re-point links into rows about to be deleted: NULL, or the tombstone when NOT NULL."""
    ops: list[Operation] = []
    for collection in dataset.collections:
        if collection.read_only:
            continue
        for f in collection.fields:
            ref = f.references
            if ref is None or ref.collection != target.name or not refs.get(ref.field):
                continue
            replacement = None
            if f.required or f.action == "tombstone":
                if target.tombstone is None:
                    continue  # nothing valid to point at: the database decides (a declared FK refuses)
                replacement = target.tombstone.get(ref.field)
                ensure.setdefault(
                    target.name, EnsureRow(target.name, target.primary_key, dict(target.tombstone))
                )
            ops.append(Relink(collection.name, f.name, refs[ref.field], replacement))
    return ops


def remote_operations(
    plan: Plan,
    dataset: Dataset,
    found: Found,
    action: Literal["erase", "rectify", "restrict"],
    run_id: str,
    values: dict[str, Any] | None = None,
) -> list[Operation]:
    """A webhook dataset acts on everything it holds for the identities found."""
    ops: list[Operation] = []
    for collection in dataset.collections:
        if not plan.reaches(dataset.id, collection.name) or collection.read_only:
            continue
        kinds = {f.identity for f in collection.fields if f.identity}
        identities = {k: v for k, v in found.identities.items() if k in kinds}
        if identities:
            ops.append(
                Remote(
                    collection.name, action, identities, f"{run_id}:{collection.name}:{action}", values or {}
                )
            )
    return ops
