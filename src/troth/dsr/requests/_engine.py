"""The request engine as the lifecycle calls it: connectors per worker thread, resumable runs.

Each worker thread keeps its own connectors (a connector holds one reading
connection) and reuses them across requests, so a request costs its queries
and not a new connection pool. A request's engine run has an id derived from
the request, so a re-run after a crash resumes that run instead of starting
another.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from troth.connectors import Connector, open_connector
from troth.declaration import Declaration
from troth.dsr.engine import Identities, Kind, Plan, execute, export_subject, make_plan, parse_identities
from troth.dsr.requests._execution import ExecutionResult

__all__ = ["EngineExecutor", "identities_of"]

_RUN_NAMESPACE = uuid.UUID("5b0e7d43-3f0c-4a7e-9d51-6f2f1d1c9a70")
_CHANGE_KINDS: dict[str, Kind] = {"erasure": "erase", "rectification": "rectify", "restriction": "restrict"}


def identities_of(identity: dict[str, str]) -> Identities:
    return parse_identities(f"{kind}={value}" for kind, value in identity.items() if value)


def _categories(declaration: Declaration, plan: Plan) -> list[str]:
    found: dict[str, None] = {}
    for dataset in declaration.datasets:
        for collection in dataset.collections:
            if plan.reaches(dataset.id, collection.name):
                for field in collection.fields:
                    found.update(dict.fromkeys(field.categories))
    return list(found)


def _describe(outcome: dict[str, Any]) -> tuple[str | None, str | None]:
    where = f"{outcome.get('dataset')}.{outcome.get('collection')}"
    done = [
        f"{outcome[key]} {label}"
        for key, label in (
            ("deleted", "deleted"),
            ("anonymised", "anonymised"),
            ("updated", "updated"),
            ("mentions_redacted", "mentions redacted"),
        )
        if outcome.get(key)
    ]
    line = f"{where}: {', '.join(done)}" if done else None
    kept = None
    if outcome.get("retained"):
        until = f" until {outcome['until']}" if outcome.get("until") else ""
        kept = f"{where}: {outcome['retained']} kept{until} — {outcome.get('reason') or 'legal obligation'}"
    return line, kept


class EngineExecutor:
    """Runs requests with `troth.dsr.engine` against the datasets of the live declaration."""

    def __init__(
        self, sessions: sessionmaker[Session], secret: str, declaration: Callable[[], Declaration]
    ) -> None:
        self.sessions = sessions
        self.secret = secret
        self.declaration = declaration
        self._local = threading.local()
        #: plans depend only on the declaration and the kinds of identity: made once per pair
        self._plans: tuple[Declaration, dict[tuple[str, ...], Plan]] | None = None
        self._all: list[Connector] = []
        self._lock = threading.Lock()

    def _connectors(self, declaration: Declaration) -> dict[str, Connector]:
        cached: tuple[Declaration, dict[str, Connector]] | None = getattr(self._local, "connectors", None)
        if cached is not None and cached[0] is declaration:
            return cached[1]
        if cached is not None:
            for connector in cached[1].values():
                connector.close()
        opened = {dataset.id: open_connector(dataset) for dataset in declaration.datasets}
        with self._lock:
            self._all.extend(opened.values())
        self._local.connectors = (declaration, opened)
        return opened

    def _plan(self, declaration: Declaration, identities: Identities) -> Plan:
        cached = self._plans
        if cached is None or cached[0] is not declaration:
            cached = self._plans = (declaration, {})
        kinds = tuple(identities)
        plan = cached[1].get(kinds)
        if plan is None:
            plan = cached[1][kinds] = make_plan(declaration, kinds)
        return plan

    def close(self) -> None:
        with self._lock:
            for connector in self._all:
                connector.close()
            self._all.clear()

    def preview(self, identity: dict[str, str]) -> str:
        plan = make_plan(self.declaration(), identities_of(identity))
        return "\n".join(plan.explain())

    def run(
        self, *, request_id: str, kind: str, identity: dict[str, str], details: dict[str, Any], workdir: Path
    ) -> ExecutionResult:
        declaration = self.declaration()
        identities = identities_of(identity)
        connectors = self._connectors(declaration)
        if kind in ("access", "portability"):
            archive = workdir / "export.zip"
            with archive.open("wb") as out:
                exported = export_subject(
                    declaration, connectors, identities, out, plan=self._plan(declaration, identities)
                )
            rows = [f"{name}: {count} row(s)" for name, count in exported.counts.items() if count]
            return ExecutionResult(
                lines=rows or ["We hold no data about you in our databases."],
                categories=_categories(declaration, exported.plan),
                archive=archive,
                counts={"rows": sum(exported.counts.values())},
            )
        result = execute(
            sessions=self.sessions,
            secret=self.secret,
            declaration=declaration,
            connectors=connectors,
            kind=_CHANGE_KINDS[kind],
            identities=identities,
            changes=details.get("corrections") if kind == "rectification" else None,
            reason=str(details.get("reason", "")),
            run_id=str(uuid.uuid5(_RUN_NAMESPACE, request_id)),
            actor=f"request:{request_id}",
            plan=self._plan(declaration, identities),
        )
        lines: list[str] = []
        kept: list[str] = []
        for outcome in result.outcomes:
            line, keep = _describe(outcome)
            if line:
                lines.append(line)
            if keep:
                kept.append(keep)
        totals = {
            key: sum(int(o.get(key, 0) or 0) for o in result.outcomes)
            for key in ("deleted", "anonymised", "updated", "retained")
        }
        plan = self._plan(declaration, identities)
        return ExecutionResult(
            lines=lines or ["We found no data about you to change."],
            kept=kept,
            categories=_categories(declaration, plan),
            counts=totals,
        )
