"""Erase, rectify, restrict: checkpointed steps in troth's store, resumable and idempotent.

    collect            find every row once, before anything changes; its keys, link values and
                       precomputed hashes become the run's encrypted checkpoint (`dsr_runs`)
    flag               (restrict) the flag the restriction check reports, with the checkpoint
    <kind>:<dataset>   one transaction per data store; done = a `dsr_steps` row
    finish             the report and the audit event; the checkpoint is dropped

Each step commits in troth's store before the next begins (a checkpoint that
exists means `collect` is done; a completed run implies its last data store's
step). A crash anywhere resumes at the first step not recorded. A step that
committed in the site's database but not in troth's store runs again, which
changes nothing: deletes find no rows, updates write the same values, hashes
were computed once at collection time.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from troth._crypto import decrypt, encrypt, keyed_hash
from troth._errors import TrothError
from troth.connectors import Connector, Fault, Operation
from troth.declaration import Declaration
from troth.dsr.engine._change import check_targets, rectify_operations, restrict_operations
from troth.dsr.engine._erase import Outcome, erasure_operations, remote_operations
from troth.dsr.engine._found import Found, wanted_for_change
from troth.dsr.engine._identity import Identities, subject_hash
from troth.dsr.engine._ledger import (
    RunRecord,
    complete,
    find_run,
    finished_steps,
    note_error,
    record_step,
    save_checkpoint,
)
from troth.dsr.engine._models import DsrRestriction
from troth.dsr.engine._plan import Plan, make_plan
from troth.dsr.engine._traverse import Traversal
from troth.store import utcnow

__all__ = ["Kind", "RunResult", "execute", "is_restricted"]

Kind = Literal["erase", "rectify", "restrict", "lift"]
_PURPOSE = "dsr.checkpoint"


@dataclass
class RunResult:
    run_id: str
    kind: str
    status: str
    outcomes: list[dict[str, Any]]
    unreachable: list[dict[str, str]]
    dry_run: bool = False
    resumed: bool = False
    steps: list[str] = field(default_factory=list)


def restriction_hash(secret: str, kind: str, value: Any) -> str:
    return keyed_hash(secret, f"{kind}:{value}", purpose="dsr.restriction")


def is_restricted(session: Session, *, secret: str, kind: str, value: Any) -> bool:
    """Whether processing for this identity is restricted (what the consent check API reports)."""
    hashes = [restriction_hash(secret, kind, v) for v in {value, str(value).lower()}]
    found = session.scalar(
        select(DsrRestriction.id).where(
            DsrRestriction.identity_hash.in_(hashes), DsrRestriction.lifted_at.is_(None)
        )
    )
    return found is not None


def _operations(
    kind: Kind,
    plan: Plan,
    declaration: Declaration,
    found: Found,
    today: dt.date,
    changes: Mapping[str, Any],
    run_id: str,
) -> dict[str, tuple[list[Operation], list[Outcome]]]:
    steps: dict[str, tuple[list[Operation], list[Outcome]]] = {}
    for dataset in declaration.datasets:
        if dataset.webhook is not None:
            action: Literal["erase", "rectify", "restrict"] = (
                "erase" if kind == "erase" else "rectify" if kind == "rectify" else "restrict"
            )
            values = (
                dict(changes)
                if kind == "rectify"
                else {"restricted": kind == "restrict"}
                if action == "restrict"
                else {}
            )
            steps[f"{kind}:{dataset.id}"] = (
                remote_operations(plan, dataset, found, action, run_id, values),
                [],
            )
        elif kind == "erase":
            steps[f"{kind}:{dataset.id}"] = erasure_operations(plan, dataset, found, today=today)
        elif kind == "rectify":
            steps[f"{kind}:{dataset.id}"] = rectify_operations(dataset, found, changes)
        else:
            steps[f"{kind}:{dataset.id}"] = restrict_operations(dataset, found, lift=kind == "lift")
    return steps


def _collect(
    plan: Plan, connectors: Mapping[str, Connector], identities: Identities, secret: str, progress: Any
) -> Found:
    found = Found(secret, plan.cache.setdefault("found-layouts", {}))
    traversal = Traversal(plan, connectors, identities, wanted_for_change)
    traversal.run(found.add, progress=progress)
    found.identities = traversal.identities()
    return found


def execute(
    *,
    sessions: sessionmaker[Session],
    secret: str,
    declaration: Declaration,
    connectors: Mapping[str, Connector],
    kind: Kind,
    identities: Identities,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    dry_run: bool = False,
    fault: Fault | None = None,
    progress: Callable[[str, int], None] | None = None,
    run_id: str | None = None,
    actor: str = "troth",
    plan: Plan | None = None,
) -> RunResult:
    """Run (or resume) one change request; see the module docstring for the steps."""
    changes = dict(changes or {})
    plan = plan or make_plan(declaration, identities)
    if kind == "rectify":
        check_targets(plan, changes)
    unreachable = [{"collection": f"{d}.{c}", "reason": why} for d, c, why in plan.unreachable]
    if dry_run:
        found = _collect(plan, connectors, identities, secret, progress)
        planned = _operations(kind, plan, declaration, found, dt.date.today(), changes, "dry-run")
        expected = [o.to_dict() for _ops, outs in planned.values() for o in outs]
        return RunResult("", kind, "planned", expected, unreachable, dry_run=True)
    # a correction resumes only a run asking for the same correction
    keyed = {**identities, "=": [f"{k}={v}" for k, v in sorted(changes.items())]} if changes else identities
    subject = subject_hash(secret, keyed)
    # One session for the whole run; each commit below is a step boundary.
    with sessions() as session:
        fresh: Found | None = None
        if run_id:
            run = find_run(session, run_id=run_id, kind=kind, subject=subject)
            if run is not None and run.status == "completed":
                # Finished before: a second execution changes nothing and reports what the first did.
                report = json.loads(run.report or "{}")
                return RunResult(
                    run.id, kind, "completed", report.get("outcomes", []), unreachable, resumed=True
                )
        else:
            # Collecting only reads, so it comes first: the search for an unfinished run of this
            # person then shares the transaction that records a new run's checkpoint.
            if fault is not None:
                fault("step:collect")
            fresh = _collect(plan, connectors, identities, secret, progress)
            run = find_run(session, run_id=None, kind=kind, subject=subject)
        done = finished_steps(session, run.id) if run is not None else {}
        if run is not None:
            session.commit()
        return _resume(
            session,
            run,
            done,
            fresh,
            secret=secret,
            declaration=declaration,
            connectors=connectors,
            kind=kind,
            identities=identities,
            changes=changes,
            reason=reason,
            fault=fault,
            progress=progress,
            run_id=run_id or str(uuid.uuid4()),
            actor=actor,
            plan=plan,
            subject=subject,
            unreachable=unreachable,
        )


def _resume(
    session: Session,
    run: RunRecord | None,
    done: dict[str, str],
    fresh: Found | None,
    *,
    secret: str,
    declaration: Declaration,
    connectors: Mapping[str, Connector],
    kind: Kind,
    identities: Identities,
    changes: dict[str, Any],
    reason: str,
    fault: Fault | None,
    progress: Callable[[str, int], None] | None,
    run_id: str,
    actor: str,
    plan: Plan,
    subject: str,
    unreachable: list[dict[str, str]],
) -> RunResult:
    resumed = run is not None and run.checkpoint is not None
    run_id = run.id if run is not None else run_id
    position = len(done)

    def _step(name: str, detail: Any) -> None:
        nonlocal position
        position += 1
        record_step(session, run_id=run_id, name=name, position=position, detail=detail)

    if run is None or run.checkpoint is None:
        # Nothing is recorded before the keys are collected: a crash here simply starts over.
        if fresh is None:
            if fault is not None:
                fault("step:collect")
            fresh = _collect(plan, connectors, identities, secret, progress)
        found = fresh
        state: dict[str, Any] = {
            "found": found.to_json(),
            "today": dt.date.today().isoformat(),
            "changes": changes,
        }
        sealed = encrypt(secret, json.dumps(state, default=str).encode(), purpose=_PURPOSE)
        save_checkpoint(
            session,
            run_id=run_id,
            exists=run is not None,
            kind=kind,
            subject=subject,
            policy_version=declaration.policy.version,
            sealed=sealed,
        )
        # the checkpoint itself marks `collect` (and `flag`, in the same transaction) as done
        if kind in ("restrict", "lift"):
            _flag(session, secret, found, run_id, lift=kind == "lift", reason=reason)
        session.commit()
    else:
        state = json.loads(decrypt(secret, run.checkpoint, purpose=_PURPOSE))
        found = Found.from_json(secret, state["found"])
        changes = state["changes"]
    today = dt.date.fromisoformat(state["today"])

    outcomes: list[dict[str, Any]] = []
    pending: tuple[str, Any] | None = None  # recorded only when another step follows
    for name, (ops, outs) in _operations(kind, plan, declaration, found, today, changes, run_id).items():
        if fault is not None:
            fault(f"step:{name}")
        if name in done:
            outcomes.extend(json.loads(done[name]))
            continue
        if pending is not None:
            _step(*pending)
            session.commit()
            pending = None
        dataset_id = name.split(":", 1)[1]
        try:
            counts = connectors[dataset_id].erase(ops, fault=fault) if ops else []
        except TrothError as exc:
            # The run stays resumable; the reason is kept for the operator (no personal data in it).
            note_error(session, run_id=run_id, error=f"{name}: {exc}")
            session.commit()
            raise
        detail = [o.to_dict() for o in outs]
        if not outs and counts:
            detail = [
                {
                    "dataset": dataset_id,
                    "collection": getattr(op, "table", "") or getattr(op, "collection", ""),
                    "updated": n,
                }
                for op, n in zip(ops, counts, strict=True)
            ]
        outcomes.extend(detail)
        pending = (name, detail)
    if fault is not None:
        fault("step:finish")
    report = {"run": run_id, "kind": kind, "outcomes": outcomes, "unreachable": unreachable}
    # the last data store's step needs no row of its own: completion implies it
    if complete(session, run_id=run_id, report=report):
        _audit(session, secret, actor, kind, identities, run_id, outcomes)
    session.commit()
    return RunResult(run_id, kind, "completed", outcomes, unreachable, resumed=resumed, steps=[*done])


def _flag(session: Session, secret: str, found: Found, run_id: str, *, lift: bool, reason: str) -> None:
    hashes = {restriction_hash(secret, kind, v) for kind, values in found.identities.items() for v in values}
    active = session.scalars(
        select(DsrRestriction).where(
            DsrRestriction.identity_hash.in_(hashes), DsrRestriction.lifted_at.is_(None)
        )
    ).all()
    if lift:
        for row in active:
            row.lifted_at, row.lift_reason = utcnow(), reason
        return
    for missing in sorted(hashes - {row.identity_hash for row in active}):
        session.add(
            DsrRestriction(
                identity_hash=missing, run_id=run_id, reason=reason, restricted_at=utcnow(), lift_reason=""
            )
        )


def _audit(
    session: Session,
    secret: str,
    actor: str,
    kind: str,
    identities: Identities,
    run_id: str,
    outcomes: list[dict[str, Any]],
) -> None:
    try:
        from troth import audit
    except ImportError:  # a build without the audit log
        return
    first = next(iter(identities.values()))[0]
    totals = {
        k: sum(int(o.get(k, 0) or 0) for o in outcomes)
        for k in ("deleted", "anonymised", "retained", "updated")
    }
    audit.record(
        session,
        secret=secret,
        actor=actor,
        action=f"dsr.{kind}",
        subject=str(first),
        detail={"run": run_id, **totals},
    )
