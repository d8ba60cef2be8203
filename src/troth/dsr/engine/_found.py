"""What a change request needs to remember about the person's rows.

Collected once, before anything changes, and kept (encrypted) in the run's
checkpoint: after the first step deletes the rows that led to the others, the
run can still finish from here. Per row it keeps only the key, which links
found it (for shared rows), the values other rows point at, precomputed keyed
hashes and the date a legal hold counts from — never the row itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from troth.declaration import Collection, Dataset
from troth.dsr.engine._graph import LookupSpec
from troth.dsr.engine._identity import Identities, decode, encode
from troth.dsr.engine._strategies import hashed

__all__ = ["Found", "FoundRow", "wanted_for_change"]

Key = tuple[Any, ...]


@dataclass(slots=True)
class FoundRow:
    vias: set[str] = field(default_factory=set)
    refs: dict[str, Any] = field(default_factory=dict)
    hashes: dict[str, Any] = field(default_factory=dict)
    since: dict[str, Any] = field(default_factory=dict)


def _referenced(dataset: Dataset, collection: Collection) -> tuple[str, ...]:
    """Fields of `collection` that other rows point at (the values erasure must re-point)."""
    return tuple(
        dict.fromkeys(
            f.references.field
            for c in dataset.collections
            for f in c.fields
            if f.references is not None and f.references.collection == collection.name
        )
    )


def wanted_for_change(dataset: Dataset, collection: Collection) -> list[str]:
    """Columns a change request reads: keys, values others point at, hashed fields, hold dates."""
    names = [*collection.primary_key, *_referenced(dataset, collection)]
    names += [f.name for f in collection.fields if f.action == "hash"]
    names += [f.keep.since for f in collection.fields if f.keep is not None and f.keep.since]
    return list(dict.fromkeys(names))


#: where a lookup's rows hold what `Found` keeps: key; (name, position) of refs, hashes, hold dates
_Layout = tuple[list[int], list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]


class Found:
    def __init__(self, secret: str, layouts: dict[int, _Layout] | None = None) -> None:
        self._secret = secret
        #: per lookup of the plan (by identity: the plan keeps its lookups alive), worked out once
        self._layouts: dict[int, _Layout] = {} if layouts is None else layouts
        self.rows: dict[tuple[str, str], dict[Key, FoundRow]] = {}
        self.mentions: dict[tuple[str, str, str], set[Key]] = {}
        self.identities: Identities = {}

    def add(self, spec: LookupSpec, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """A sink for `Traversal.run`."""
        layout = self._layouts.get(id(spec))
        if layout is None:
            layout = self._layouts[id(spec)] = _layout(spec, columns)
        key_at, refs, hashes, since = layout
        if spec.match == "contains":
            keys = self.mentions.setdefault((*spec.key, spec.field), set())
            keys.update(tuple(row[i] for i in key_at) for row in rows)
            return
        table = self.rows.setdefault(spec.key, {})
        dataset_id, via = spec.dataset.id, spec.field
        for row in rows:
            key = tuple(row[i] for i in key_at)
            found = table.get(key)
            if found is None:
                table[key] = FoundRow(
                    {via},
                    {n: row[i] for n, i in refs} if refs else {},
                    {n: hashed(self._secret, dataset_id, row[i]) for n, i in hashes} if hashes else {},
                    {n: row[i] for n, i in since} if since else {},
                )
            else:
                found.vias.add(via)

    # ------------------------------------------------------------------ checkpoint form

    def to_json(self) -> dict[str, Any]:
        return {
            "identities": {k: [encode(v) for v in vs] for k, vs in self.identities.items()},
            "rows": [
                [
                    dataset,
                    collection,
                    [
                        [
                            encode(key),
                            sorted(r.vias),
                            _enc(r.refs) if r.refs else {},
                            _enc(r.hashes) if r.hashes else {},
                            _enc(r.since) if r.since else {},
                        ]
                        for key, r in table.items()
                    ],
                ]
                for (dataset, collection), table in self.rows.items()
            ],
            "mentions": [[d, c, f, [encode(k) for k in keys]] for (d, c, f), keys in self.mentions.items()],
        }

    @classmethod
    def from_json(cls, secret: str, data: dict[str, Any]) -> Found:
        found = cls(secret)
        found.identities = {k: [decode(v) for v in vs] for k, vs in data["identities"].items()}
        for dataset, collection, rows in data["rows"]:
            table = found.rows.setdefault((dataset, collection), {})
            for key, vias, refs, hashes, since in rows:
                table[decode(key)] = FoundRow(set(vias), _dec(refs), _dec(hashes), _dec(since))
        for dataset, collection, name, keys in data["mentions"]:
            found.mentions[(dataset, collection, name)] = {decode(k) for k in keys}
        return found


def _layout(spec: LookupSpec, columns: Sequence[str]) -> _Layout:
    collection = spec.collection
    at = {name: i for i, name in enumerate(columns)}
    key_at = [at[c] for c in collection.primary_key]
    if spec.match == "contains":
        return key_at, [], [], []
    refs = [(n, at[n]) for n in _referenced(spec.dataset, collection)]
    hashes = [(f.name, at[f.name]) for f in collection.fields if f.action == "hash"]
    since = [(f.keep.since, at[f.keep.since]) for f in collection.fields if f.keep and f.keep.since]
    return key_at, refs, hashes, since


def _enc(values: dict[str, Any]) -> dict[str, Any]:
    return {k: encode(v) for k, v in values.items()}


def _dec(values: dict[str, Any]) -> dict[str, Any]:
    return {k: decode(v) for k, v in values.items()}
