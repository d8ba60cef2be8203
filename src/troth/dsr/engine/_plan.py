"""Planning: from the identities given, which collections are read, in what order, by which keys.

    plan = make_plan(declaration, ["email"])
    print("\n".join(plan.explain()))

A collection no lookup can reach is reported with the reason, never silently
skipped: an undeclared link or identity is the most common mistake in a
dataset, and the operator must see it before a request is answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from troth.declaration import Declaration
from troth.dsr.engine._graph import Domain, Graph, LookupSpec, PlanError, build_graph, erasure_order

__all__ = ["Plan", "make_plan"]


@dataclass(frozen=True)
class Plan:
    identity_kinds: tuple[str, ...]
    graph: Graph
    #: lookups of reachable collections, in the order they first become possible
    lookups: list[LookupSpec]
    #: hops from the identities, per lookup
    hops: list[int]
    #: (dataset, collection) → hop count from the identities
    levels: dict[tuple[str, str], int]
    #: (dataset, collection, reason)
    unreachable: list[tuple[str, str, str]]
    #: (dataset, collection) searched only for mentions of the identities in free text
    mention_only: list[tuple[str, str]]
    #: dataset → collections children-first
    erasure_order: dict[str, list[str]] = field(default_factory=dict)
    #: dataset → [(collection, field)] links nulled first to break cycles
    broken_links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: per-plan memo of derived shapes (how rows map to exports), so reusing a plan costs nothing
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def reaches(self, dataset: str, collection: str) -> bool:
        return (dataset, collection) in self.levels

    def explain(self) -> list[str]:
        lines = [f"Identities: {', '.join(self.identity_kinds)}", "", "Lookups (one batched query per step):"]
        for number, (spec, hop) in enumerate(zip(self.lookups, self.hops, strict=True), 1):
            lines.append(f"  {number:>2}. [hop {hop}] {spec.describe()}")
        for dataset, order in self.erasure_order.items():
            reached = [c for c in order if self.reaches(dataset, c)]
            if reached:
                lines += [
                    "",
                    f"Erasure order in `{dataset}` (children before parents):",
                    "  " + " → ".join(reached),
                ]
            for collection, column in self.broken_links.get(dataset, []):
                lines.append(f"  cycle broken by nulling {collection}.{column} first")
        if self.mention_only:
            lines += ["", "Searched only for mentions in free text:"]
            lines += ["  " + ", ".join(f"{d}.{c}" for d, c in self.mention_only)]
        if self.unreachable:
            lines += ["", "Not reachable from these identities:"]
            lines += [f"  {d}.{c}: {why}" for d, c, why in self.unreachable]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "identities": list(self.identity_kinds),
            "lookups": [
                {"step": i, "hop": hop, "lookup": s.describe()}
                for i, (s, hop) in enumerate(zip(self.lookups, self.hops, strict=True), 1)
            ],
            "erasure_order": self.erasure_order,
            "mention_only": [f"{d}.{c}" for d, c in self.mention_only],
            "unreachable": [{"collection": f"{d}.{c}", "reason": why} for d, c, why in self.unreachable],
        }


def make_plan(declaration: Declaration, identity_kinds: Iterable[str]) -> Plan:
    kinds = tuple(dict.fromkeys(identity_kinds))
    if not declaration.datasets:
        raise PlanError("the declaration has no `datasets`: there is nothing to search")
    graph = build_graph(declaration.datasets)
    known = {s.source[1] for s in graph.lookups if s.source[0] == "identity"}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise PlanError(
            f"no dataset field holds the identity `{unknown[0]}`; "
            f"identities declared: {', '.join(sorted(known)) or 'none'}"
        )
    available: dict[Domain, int] = {("identity", k): 0 for k in kinds}
    levels: dict[tuple[str, str], int] = {}
    hops: dict[int, int] = {}
    pending = list(enumerate(graph.lookups))
    changed = True
    while changed:
        changed = False
        for index, spec in list(pending):
            hop = available.get(spec.source)
            if hop is None:
                continue
            pending.remove((index, spec))
            changed = True
            hop += 0 if spec.source[0] == "identity" else 1
            hops[index] = hop
            if spec.match == "contains":
                continue
            levels[spec.key] = min(hop, levels.get(spec.key, hop))
            for _field, domain in graph.producers.get(spec.key, []):
                if domain not in available:
                    available[domain] = hop if domain[0] == "field" else hop + 1
    order = sorted(hops, key=lambda i: (graph.lookups[i].match == "contains", hops[i], i))
    ordered = [graph.lookups[i] for i in order]
    lookup_hops = [hops[i] for i in order]
    searched = {s.key for s in ordered if s.match == "contains"}
    mention_only = sorted(searched - set(levels))
    unreachable: list[tuple[str, str, str]] = []
    for dataset in declaration.datasets:
        for collection in dataset.collections:
            key = (dataset.id, collection.name)
            if key not in levels and key not in searched:
                unreachable.append((*key, _why_unreachable(graph, key)))
    orders: dict[str, list[str]] = {}
    broken: dict[str, list[tuple[str, str]]] = {}
    for dataset in declaration.datasets:
        if dataset.webhook is None:
            orders[dataset.id], broken[dataset.id] = erasure_order(dataset)
    return Plan(kinds, graph, ordered, lookup_hops, levels, unreachable, mention_only, orders, broken)


def _why_unreachable(graph: Graph, key: tuple[str, str]) -> str:
    specs = [s for s in graph.lookups if s.key == key and s.match == "equals"]
    if not specs:
        return "no identity field and no link to another collection (add `identity:` or `references:`)"
    needs = sorted({s.source[1] if s.source[0] == "identity" else ".".join(s.source[1:]) for s in specs})
    return "needs " + " or ".join(needs) + ", which these identities do not lead to"
