"""Carrying out an approved request: the engine step, recipient propagation, completion.

Steps (run by any worker, see `troth.jobs`):

- `dsr.execute` — run the engine for the request (export, erase, rectify,
  restrict; the engine checkpoints and is idempotent), store the archive or
  report, open one task per recipient that must act too;
- `dsr.propagate` — tell one recipient by signed webhook; failures retry,
  then show in the admin queue to retry or handle by hand;
- the request completes when every task is done or waived.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from troth import audit
from troth.declaration import Declaration, Recipient
from troth.dsr.requests import _notify
from troth.dsr.requests._context import ContextProvider, RequestContext
from troth.dsr.requests._models import DsrRequest, RecipientTask, RequestResult
from troth.dsr.requests._results import store_archive, store_report
from troth.dsr.requests._review import EXECUTE, OPEN_TASK_STATES, PROPAGATE
from troth.dsr.requests._states import State, check_transition
from troth.jobs import StepContext, StepRegistry, enqueue
from troth.store import Base, autocommit, utcnow

__all__ = [
    "ENGINE_KINDS",
    "PROPAGATE",
    "PROPAGATED_KINDS",
    "ExecutionResult",
    "Executor",
    "complete_if_done",
    "register_execution",
]

#: kinds the engine carries out against the site's databases
ENGINE_KINDS = frozenset({"access", "portability", "erasure", "rectification", "restriction"})
#: kinds every recipient of the data involved must be told about
PROPAGATED_KINDS = frozenset({"erasure", "opt_out_sale_share"})
_ARCHIVE_KINDS = frozenset({"access", "portability"})


@dataclass
class ExecutionResult:
    """What the engine did for one request, in words the person reads."""

    lines: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    archive: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        return {"lines": self.lines, "kept": self.kept, "categories": self.categories, "counts": self.counts}


class Executor(Protocol):
    """The request engine as the lifecycle uses it."""

    def preview(self, identity: dict[str, str]) -> str:
        """A readable plan: which collections would be visited, in what order."""
        ...

    def run(
        self, *, request_id: str, kind: str, identity: dict[str, str], details: dict[str, Any], workdir: Path
    ) -> ExecutionResult:
        """Carry out `kind` (idempotent: a second run after a crash finishes, never repeats)."""
        ...


def _recipients_for(declaration: Declaration, categories: list[str]) -> list[Recipient]:
    involved = set(categories) or {
        f.categories[0] for d in declaration.datasets for c in d.collections for f in c.fields if f.categories
    }
    chosen = []
    for recipient in declaration.recipients:
        if recipient.role == "authority":
            continue
        if not recipient.categories or involved & set(recipient.categories):
            chosen.append(recipient)
    return chosen


def _open_tasks(session: Session, ctx: RequestContext, request: DsrRequest, result: ExecutionResult) -> None:
    if session.scalar(select(RecipientTask.id).where(RecipientTask.request_id == request.id).limit(1)):
        return  # tasks of an earlier, interrupted run
    if request.kind not in ENGINE_KINDS:
        # objection, withdrawn consent, opt-out, a complaint...: staff act on it and close the task
        session.add(
            RecipientTask(
                request_id=request.id,
                recipient_id="organization",
                recipient_name=ctx.declaration.organization.display_name,
                channel="manual",
                action=request.kind,
            )
        )
    if request.kind not in PROPAGATED_KINDS:
        return
    for recipient in _recipients_for(ctx.declaration, result.categories):
        task = RecipientTask(
            request_id=request.id,
            recipient_id=recipient.id,
            recipient_name=recipient.name,
            channel="webhook" if recipient.erasure_webhook else "manual",
            action=request.kind,
        )
        session.add(task)
        session.flush()
        if task.channel == "webhook":
            enqueue(session, PROPAGATE, f"{request.id}:{task.id}", dispatcher=ctx.dispatcher)


def _tasks_may_exist(kind: str) -> bool:
    return kind not in ENGINE_KINDS or kind in PROPAGATED_KINDS


def complete_if_done(
    session: Session, ctx: RequestContext, request: DsrRequest, *, result: RequestResult | None = None
) -> bool:
    """Complete a running request once none of its tasks is open; True if it completed now."""
    if request.state != State.RUNNING:
        return False
    tasks: list[RecipientTask] = []
    if _tasks_may_exist(request.kind):
        tasks = list(session.scalars(select(RecipientTask).where(RecipientTask.request_id == request.id)))
        if any(task.state in OPEN_TASK_STATES for task in tasks):
            return False
    check_transition(request.id, request.state, State.COMPLETED)
    request.state, request.closed_at = State.COMPLETED, utcnow()
    result = result or session.get(RequestResult, request.id)
    report: dict[str, Any] = (result.report if result else None) or {}
    request.outcome = {
        "result": "completed",
        "counts": report.get("counts", {}),
        "tasks": {t.recipient_id: t.state for t in tasks},
    }
    email: str | None = ctx.unseal(request.identity_sealed).get("email")
    if email:
        archive = result is not None and result.sha256 is not None
        _notify.send_completed(
            session,
            ctx,
            request,
            to=email,
            report={
                **report,
                "lines": report.get("lines", []) + [f"{t.recipient_name}: {t.state}" for t in tasks],
            },
            download_url=ctx.status_url(request.id) if archive else None,
            expires_at=result.expires_at if result is not None and archive else None,
        )
    # last: the audit log's head row is a lock every writer queues on, so hold it briefly
    audit.record(
        session,
        secret=ctx.secret,
        actor="worker",
        action="request.complete",
        subject=email,
        detail={"id": request.id, "kind": request.kind},
    )
    return True


_REQUESTS = Base.metadata.tables[DsrRequest.__tablename__]
_READ = select(
    _REQUESTS.c.state, _REQUESTS.c.kind, _REQUESTS.c.identity_sealed, _REQUESTS.c.details_sealed
).where(_REQUESTS.c.id == bindparam("id"))


def _execute(context: StepContext, provide: ContextProvider, executor: Executor) -> None:
    ctx = provide()
    # read only (the state changes commit with the step): a plain row, no ORM object to track
    with autocommit(context.sessions).connect() as connection:
        row = connection.execute(_READ, {"id": context.subject}).first()
    if row is None or row.state not in (State.APPROVED, State.RUNNING):
        return  # denied or finished meanwhile: nothing to do
    kind = row.kind
    identity = ctx.unseal(row.identity_sealed)
    details = ctx.unseal(row.details_sealed)
    with tempfile.TemporaryDirectory(prefix="troth-request-") as workdir:
        if kind in ENGINE_KINDS:
            result = executor.run(
                request_id=context.subject,
                kind=kind,
                identity=identity,
                details=details,
                workdir=Path(workdir),
            )
        else:
            result = ExecutionResult(lines=[f"Your request was passed to our team to act on ({kind})."])
        with context.finish() as session:
            request = session.get(DsrRequest, context.subject)
            if request is None or request.state not in (State.APPROVED, State.RUNNING):
                return
            if kind in _ARCHIVE_KINDS and result.archive is not None:
                stored = store_archive(
                    session, ctx.secret, request.id, result.archive, report=result.report()
                )
            else:
                stored = store_report(session, request.id, result.report())
            # after the archive's flushes: the request row is written once, in its final state
            request.state = State.RUNNING
            if _tasks_may_exist(kind):
                _open_tasks(session, ctx, request, result)
                session.flush()
            complete_if_done(session, ctx, request, result=stored)


def _execute_failed(session: Session, subject: str, error: str) -> None:
    request = session.get(DsrRequest, subject)
    if request is not None and request.state in (State.APPROVED, State.RUNNING):
        request.state, request.error = State.FAILED, error


def register_execution(registry: StepRegistry, provide: ContextProvider, executor: Executor) -> None:
    from troth.dsr.requests._propagate import propagate, propagate_failed

    registry.register(
        EXECUTE, lambda context: _execute(context, provide, executor), on_failure=_execute_failed
    )
    registry.register(PROPAGATE, lambda context: propagate(context, provide), on_failure=propagate_failed)
