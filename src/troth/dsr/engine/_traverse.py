"""Run a plan: batched lookups until no new key turns up, rows streamed to a sink.

One query per lookup and batch of keys (never one per row); rows flow to the
sink in bounded batches, so a person with a million rows costs a million rows
of time but only a batch of memory — plus the keys that lead further (order
ids for order items), which the traversal must remember anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from troth.connectors import Connector, Lookup
from troth.declaration import Collection, Dataset
from troth.dsr.engine._graph import Domain, LookupSpec
from troth.dsr.engine._identity import Identities
from troth.dsr.engine._plan import Plan
from troth.dsr.engine._strategies import mention_pattern, mentions

__all__ = ["Sink", "Traversal"]

#: receives (lookup, selected columns, a batch of rows)
Sink = Callable[[LookupSpec, Sequence[str], list[Sequence[Any]]], None]
Wanted = Callable[[Dataset, Collection], Sequence[str]]

_BATCH = 2000

Key = tuple[str, str]
#: per collection: selected columns; which need de-duplication; key positions and what each row feeds
_Prepared = tuple[dict[Key, list[str]], set[Key], dict[Key, tuple[list[int], list[tuple[int, Domain]]]]]


class Traversal:
    def __init__(
        self, plan: Plan, connectors: Mapping[str, Connector], identities: Identities, wanted: Wanted
    ) -> None:
        self.plan = plan
        self.connectors = connectors
        self.domains: dict[Domain, list[Any]] = {}
        self._known: dict[Domain, set[Any]] = {}
        for kind, values in identities.items():
            for value in values:
                self._add(("identity", kind), value)
        # What each lookup selects depends only on the plan: worked out once per plan and kind of run.
        memo: _Prepared | None = plan.cache.get(("traversal", wanted))
        if memo is None:
            memo = plan.cache[("traversal", wanted)] = self._prepare(wanted)
        self._columns, self._dedupe, self._feeds = memo
        self._seen: dict[tuple[str, str], set[tuple[Any, ...]]] = {}

    def _prepare(self, wanted: Wanted) -> _Prepared:
        plan = self.plan
        columns: dict[tuple[str, str], list[str]] = {}
        for spec in plan.lookups:
            if spec.key not in columns:
                columns[spec.key] = self._select(spec, wanted(spec.dataset, spec.collection))
        owned = [s.key for s in plan.lookups if s.match == "equals"]
        #: collections found by more than one lookup need their rows de-duplicated
        keyed = {s.key for s in plan.lookups if s.collection.primary_key}
        dedupe = {k for k in owned if owned.count(k) > 1 and k in keyed and not _shared(plan, k)}
        feeds = {
            key: (
                [cols.index(c) for c in plan_collection_key(plan, key)],
                [(cols.index(f), d) for f, d in plan.graph.producers.get(key, [])],
            )
            for key, cols in columns.items()
        }
        return columns, dedupe, feeds

    def _select(self, spec: LookupSpec, wanted: Sequence[str]) -> list[str]:
        collection = spec.collection
        names = [*collection.primary_key, *wanted]
        names += [s.field for s in self.plan.lookups if s.key == spec.key and s.match == "equals"]
        names += [f for f, _ in self.plan.graph.producers.get(spec.key, [])]
        return list(dict.fromkeys(names))

    def _add(self, domain: Domain, value: Any) -> None:
        known = self._known.setdefault(domain, set())
        try:
            if value in known:
                return
            known.add(value)
        except TypeError:
            return
        self.domains.setdefault(domain, []).append(value)

    def identities(self) -> Identities:
        """Every identity value known by the end: given, or found on the way."""
        return {d[1]: list(v) for d, v in self.domains.items() if d[0] == "identity"}

    def run(self, sink: Sink, *, progress: Callable[[str, int], None] | None = None) -> None:
        """Look up every key once, in rounds, until a round finds nothing new.

        A round sends, per data store, every lookup that has keys waiting, together
        (one round trip where the store can take them at once); what a round finds
        feeds the next. Customer → orders → items is three rounds, however many
        collections hang off each level.
        """
        cursors = [0] * len(self.plan.lookups)
        while True:
            ready: dict[str, list[tuple[LookupSpec, Sequence[Any]]]] = {}
            for index, spec in enumerate(self.plan.lookups):
                values = self.domains.get(spec.source, [])
                if cursors[index] < len(values):
                    ready.setdefault(spec.dataset.id, []).append((spec, values[cursors[index] :]))
                    cursors[index] = len(values)
            if not ready:
                return
            for dataset_id, batch in ready.items():
                connector = self.connectors[dataset_id]
                plain = [(spec, values) for spec, values in batch if spec.match == "equals"]
                answers = connector.fetch_many(
                    [Lookup(s.collection, s.field, v, self._columns[s.key]) for s, v in plain]
                )
                for (spec, _values), rows in zip(plain, answers, strict=True):
                    count = self._take(spec, rows, sink)
                    if progress is not None:
                        progress(spec.describe(), count)
                for spec, needles in batch:
                    if spec.match == "contains":
                        count = self._mentions(spec, needles, sink)
                        if progress is not None:
                            progress(spec.describe(), count)

    def _take(self, spec: LookupSpec, rows: Iterable[Sequence[Any]], sink: Sink) -> int:
        columns = self._columns[spec.key]
        pk, feeds = self._feeds[spec.key]
        seen = self._seen.setdefault(spec.key, set()) if spec.key in self._dedupe else None
        batch: list[Sequence[Any]] = []
        count = 0
        for row in rows:
            if seen is not None:
                key = tuple(row[i] for i in pk)
                if key in seen:
                    continue
                seen.add(key)
            for position, domain in feeds:
                value = row[position]
                if value is not None:
                    self._add(domain, value)
            batch.append(row)
            if len(batch) >= _BATCH:
                count += len(batch)
                sink(spec, columns, batch)
                batch = []
        if batch:
            count += len(batch)
            sink(spec, columns, batch)
        return count

    def _mentions(self, spec: LookupSpec, values: Sequence[Any], sink: Sink) -> int:
        connector = self.connectors[spec.dataset.id]
        columns = [*spec.collection.primary_key, spec.field]
        pattern = mention_pattern(values)
        rows = [
            row
            for row in connector.fetch(Lookup(spec.collection, spec.field, values, columns, "contains"))
            if mentions(row[-1], pattern)
        ]
        if rows:
            sink(spec, columns, rows)
        return len(rows)


def plan_collection_key(plan: Plan, key: tuple[str, str]) -> list[str]:
    return next(s.collection.primary_key for s in plan.lookups if s.key == key)


def _shared(plan: Plan, key: tuple[str, str]) -> bool:
    return any(s.key == key and s.collection.shared for s in plan.lookups)
