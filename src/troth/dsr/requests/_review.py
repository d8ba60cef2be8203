"""What staff do with a request: approve, deny, extend, annotate, re-run, close recipient tasks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from troth import audit
from troth._errors import ConflictError, NotFoundError
from troth.dsr.requests import _notify
from troth.dsr.requests._context import RequestContext
from troth.dsr.requests._models import DsrRequest, Note, RecipientTask
from troth.dsr.requests._states import State, check_transition
from troth.jobs import enqueue
from troth.store import utcnow

__all__ = [
    "EXECUTE",
    "OPEN_TASK_STATES",
    "add_note",
    "approve",
    "close_task",
    "deny",
    "extend",
    "get_request",
    "rerun",
    "retry_task",
]

#: the step that carries out an approved request
EXECUTE = "dsr.execute"
#: the step that tells one recipient by webhook
PROPAGATE = "dsr.propagate"
OPEN_TASK_STATES = frozenset({"open", "sent", "failed"})


def get_request(session: Session, request_id: str) -> DsrRequest:
    request = session.get(DsrRequest, request_id)
    if request is None:
        raise NotFoundError(f"no request {request_id!r}")
    return request


def _email(ctx: RequestContext, request: DsrRequest) -> str | None:
    email: str | None = ctx.unseal(request.identity_sealed).get("email")
    return email


def approve(session: Session, ctx: RequestContext, request: DsrRequest, *, actor: str) -> None:
    """Approve a verified request; the worker carries it out."""
    check_transition(request.id, request.state, State.APPROVED)
    request.state, request.approved_at, request.approved_by = State.APPROVED, utcnow(), actor
    enqueue(session, EXECUTE, request.id, dispatcher=ctx.dispatcher)
    audit.record(
        session,
        secret=ctx.secret,
        actor=actor,
        action="request.approve",
        subject=_email(ctx, request),
        detail={"id": request.id, "kind": request.kind},
    )


def deny(session: Session, ctx: RequestContext, request: DsrRequest, *, actor: str, reason: str) -> None:
    """Refuse a request with a reason the person is told."""
    reason = reason.strip()
    if not reason:
        raise ConflictError("a denial needs a reason: the person is told why")
    check_transition(request.id, request.state, State.DENIED)
    request.state, request.denied_reason, request.closed_at = State.DENIED, reason, utcnow()
    request.outcome = {"result": "denied", "reason": reason}
    audit.record(
        session,
        secret=ctx.secret,
        actor=actor,
        action="request.deny",
        subject=_email(ctx, request),
        detail={"id": request.id},
    )
    email = _email(ctx, request)
    if email:
        _notify.send_denied(session, ctx, request, to=email)


def extend(session: Session, ctx: RequestContext, request: DsrRequest, *, actor: str, reason: str) -> None:
    """Move the due date to the longest the jurisdiction allows, telling the person why."""
    reason = reason.strip()
    if not reason:
        raise ConflictError("an extension needs a reason: the person is told why")
    if request.state not in (
        State.RECEIVED,
        State.VERIFYING,
        State.VERIFIED,
        State.APPROVED,
        State.RUNNING,
        State.FAILED,
    ):
        raise ConflictError(f"request {request.id} is {request.state}: only an open request can be extended")
    if request.extension_reason is not None or request.due_on >= request.longest_due_on:
        raise ConflictError(
            f"request {request.id} is already due on {request.due_on}, the latest {request.jurisdiction} allows"
        )
    request.due_on, request.extension_reason = request.longest_due_on, reason
    audit.record(
        session,
        secret=ctx.secret,
        actor=actor,
        action="request.extend",
        subject=_email(ctx, request),
        detail={"id": request.id, "due_on": request.due_on.isoformat()},
    )
    email = _email(ctx, request)
    if email:
        _notify.send_extended(session, ctx, request, to=email)


def add_note(session: Session, ctx: RequestContext, request: DsrRequest, *, actor: str, body: str) -> Note:
    body = body.strip()
    if not body:
        raise ConflictError("the note is empty")
    note = Note(request_id=request.id, author=actor, body=body)
    session.add(note)
    audit.record(session, secret=ctx.secret, actor=actor, action="request.note", detail={"id": request.id})
    return note


def rerun(session: Session, ctx: RequestContext, request: DsrRequest, *, actor: str) -> None:
    """Resume a failed request from its last checkpoint."""
    check_transition(request.id, request.state, State.RUNNING)
    request.state, request.error = State.RUNNING, None
    audit.record(session, secret=ctx.secret, actor=actor, action="request.rerun", detail={"id": request.id})
    enqueue(session, EXECUTE, request.id, dispatcher=ctx.dispatcher)


def close_task(
    session: Session,
    ctx: RequestContext,
    request: DsrRequest,
    task_id: int,
    *,
    actor: str,
    waive_reason: str | None = None,
) -> RecipientTask:
    """Mark a recipient task done (or waived, with a reason); the request completes with its last task."""
    from troth.dsr.requests._execution import complete_if_done

    task = session.scalars(
        select(RecipientTask).where(RecipientTask.id == task_id, RecipientTask.request_id == request.id)
    ).first()
    if task is None:
        raise NotFoundError(f"request {request.id} has no task {task_id}")
    if task.state not in OPEN_TASK_STATES:
        raise ConflictError(f"task {task_id} ({task.recipient_name}) is already {task.state}")
    if waive_reason is not None:
        if not waive_reason.strip():
            raise ConflictError("waiving a task needs a reason")
        task.state, task.reason = "waived", waive_reason.strip()
    else:
        task.state = "done"
    task.done_by, task.done_at = actor, utcnow()
    audit.record(
        session,
        secret=ctx.secret,
        actor=actor,
        action=f"request.task.{task.state}",
        detail={"id": request.id, "task": task.id, "recipient": task.recipient_id},
    )
    complete_if_done(session, ctx, request)
    return task


def retry_task(
    session: Session, ctx: RequestContext, request: DsrRequest, task_id: int, *, actor: str
) -> None:
    """Send a recipient's webhook again after its retries ran out (e.g. once their endpoint is fixed)."""
    task = session.get(RecipientTask, task_id)
    if task is None or task.request_id != request.id:
        raise NotFoundError(f"request {request.id} has no task {task_id}")
    if task.channel != "webhook" or task.state != "failed":
        raise ConflictError(
            f"task {task_id} ({task.recipient_name}) is {task.state} by {task.channel}: nothing to retry"
        )
    task.state, task.last_error = "open", None
    audit.record(
        session,
        secret=ctx.secret,
        actor=actor,
        action="request.task.retry",
        detail={"id": request.id, "task": task_id},
    )
    enqueue(session, PROPAGATE, f"{request.id}:{task.id}", dispatcher=ctx.dispatcher)
