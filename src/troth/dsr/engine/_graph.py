"""The reference graph of the declared datasets: how rows lead to rows, and the order erasure needs.

Values flow through *domains*: an identity (`email`, `user_id`, …) shared by
every dataset, or the values of one referenced field (`shop.customer.id`).
A lookup reads rows of a collection whose field matches a domain's values;
the rows it finds feed new values into other domains (the customer row's `id`
feeds `orders.customer_id`, its `user_id` feeds every `user_id` identity
field), until nothing new turns up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from troth._errors import TrothError
from troth.declaration import Collection, Dataset

__all__ = ["Domain", "Graph", "LookupSpec", "PlanError", "build_graph", "erasure_order"]

#: ("identity", kind) or ("field", dataset, collection, field)
Domain = tuple[str, ...]


class PlanError(TrothError):
    """A request the declared datasets cannot serve (unknown identity, unorderable cycle, …)."""

    status_code = 422
    code = "invalid_request"


@dataclass(frozen=True)
class LookupSpec:
    dataset: Dataset
    collection: Collection
    field: str
    source: Domain
    match: Literal["equals", "contains"] = "equals"

    @property
    def key(self) -> tuple[str, str]:
        return (self.dataset.id, self.collection.name)

    def describe(self) -> str:
        where = f"{self.dataset.id}.{self.collection.name}.{self.field}"
        if self.source[0] == "identity":
            verb = "mentions" if self.match == "contains" else "="
            return f"{where} {verb} {self.source[1]}"
        return f"{where} = {'.'.join(self.source[1:])}"


@dataclass(frozen=True)
class Graph:
    datasets: Sequence[Dataset]
    lookups: list[LookupSpec]
    #: (dataset, collection) → [(field, domain its values feed)]
    producers: dict[tuple[str, str], list[tuple[str, Domain]]]


def build_graph(datasets: Sequence[Dataset]) -> Graph:
    lookups: list[LookupSpec] = []
    producers: dict[tuple[str, str], list[tuple[str, Domain]]] = {}
    for dataset in datasets:
        for collection in dataset.collections:
            feeds = producers.setdefault((dataset.id, collection.name), [])
            for f in collection.fields:
                if f.identity:
                    lookups.append(LookupSpec(dataset, collection, f.name, ("identity", f.identity)))
                    feeds.append((f.name, ("identity", f.identity)))
                for kind in f.contains:
                    lookups.append(LookupSpec(dataset, collection, f.name, ("identity", kind), "contains"))
                ref = f.references
                if ref is not None and ref.traverse:
                    source: Domain = ("field", dataset.id, ref.collection, ref.field)
                    lookups.append(LookupSpec(dataset, collection, f.name, source))
                    target = producers.setdefault((dataset.id, ref.collection), [])
                    if (ref.field, source) not in target:
                        target.append((ref.field, source))
    return Graph(datasets, lookups, producers)


def erasure_order(dataset: Dataset) -> tuple[list[str], list[tuple[str, str]]]:
    """Collections children-first, and the nullable links nulled first to break cycles.

    A row must go before the row it points at. Where links form a cycle
    (customer.default_address → address.customer → customer), the cycle is
    broken at a nullable link: that link is nulled before its target is
    deleted, which the engine does for every link into a deleted row anyway.
    """
    names = [c.name for c in dataset.collections if not c.read_only]
    # edge child → parent: child goes first
    edges: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for collection in dataset.collections:
        if collection.read_only:
            continue
        for f in collection.fields:
            ref = f.references
            if ref is None or ref.collection == collection.name:
                continue
            edges.setdefault((collection.name, ref.collection), []).append((f.name, f.required))
    remaining = list(names)
    live = dict(edges)
    order: list[str] = []
    broken: list[tuple[str, str]] = []
    while remaining:
        blocked = {parent for (child, parent) in live if child in remaining and parent in remaining}
        ready = [n for n in remaining if n not in blocked]
        if ready:
            # a parent is ready once no remaining child points at it
            for name in ready:
                order.append(name)
                remaining.remove(name)
            live = {e: fs for e, fs in live.items() if e[0] in remaining and e[1] in remaining}
            continue
        breakable = [
            (edge, fs) for edge, fs in live.items() if edge[0] in remaining and not any(req for _, req in fs)
        ]
        if not breakable:
            cycle = " → ".join(sorted(remaining))
            raise PlanError(
                f"dataset `{dataset.id}`: the links between {cycle} form a cycle of NOT NULL references; "
                "erasure cannot order it — declare one link without `required: true`"
            )
        (child, parent), fields = breakable[0]
        broken.extend((child, name) for name, _ in fields)
        del live[(child, parent)]
    return order, broken
