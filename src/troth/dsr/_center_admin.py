"""The admin request queue (`/admin/requests`): agent role and above.

A list with filters, sorted by due date with overdue requests highlighted;
a detail page with the identity, the engine's plan preview, notes and
recipient tasks; and the actions: approve, deny, extend, note, re-run,
close or waive a task, and take in a request received by email or post.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from troth._errors import ConflictError, TrothError
from troth.declaration import JURISDICTIONS, RIGHTS
from troth.dsr._center_deps import DeskDep
from troth.dsr.requests import (
    CLOSED,
    DESCRIPTIONS,
    OPEN,
    REQUEST_KINDS,
    DsrRequest,
    Note,
    RecipientTask,
    RequestResult,
    add_note,
    approve,
    assertion_key,
    close_task,
    deny,
    extend,
    get_request,
    rerun,
    retry_task,
    submit,
)
from troth.dsr.requests._states import TRANSITIONS
from troth.jobs import JobStep
from troth.web._deps import AdminDep, AgentDep, SessionDep
from troth.web._templates import render

__all__ = ["admin_router"]

admin_router = APIRouter()
_PAGE = 200


def _actor(principal: Any) -> str:
    return f"{principal.kind}:{principal.name}"


@admin_router.get("/admin/requests", summary="Requests")
def queue(
    request: Request,
    session: SessionDep,
    who: AgentDep,
    state: str = "open",
    kind: str = "",
    jurisdiction: str = "",
    overdue: bool = False,
    q: str = "",
) -> Response:
    today = dt.datetime.now(dt.UTC).date()
    query = select(DsrRequest)
    if state == "open":
        query = query.where(DsrRequest.state.in_(OPEN))
    elif state == "closed":
        query = query.where(DsrRequest.state.in_(CLOSED))
    elif state:
        query = query.where(DsrRequest.state == state)
    if kind:
        query = query.where(DsrRequest.kind == kind)
    if jurisdiction:
        query = query.where(DsrRequest.jurisdiction == jurisdiction)
    if overdue:
        query = query.where(DsrRequest.due_on < today, DsrRequest.state.in_(OPEN))
    if q.strip():
        query = query.where(DsrRequest.id == q.strip().upper())
    rows = session.scalars(query.order_by(DsrRequest.due_on, DsrRequest.received_at).limit(_PAGE)).all()
    counts = dict(session.execute(select(DsrRequest.state, func.count()).group_by(DsrRequest.state)).all())
    return render(
        request,
        "admin/requests.html",
        {
            "rows": rows,
            "today": today,
            "open_states": OPEN,
            "filters": {
                "state": state,
                "kind": kind,
                "jurisdiction": jurisdiction,
                "overdue": overdue,
                "q": q,
            },
            "states": list(TRANSITIONS),
            "kinds": REQUEST_KINDS,
            "jurisdictions": sorted(JURISDICTIONS),
            "counts": counts,
            "rights": RIGHTS,
        },
    )


@admin_router.get("/admin/requests/integration")
def integration(request: Request, desk: DeskDep, who: AdminDep) -> Response:
    """The shared key a site's back end signs identity assertions with (admins only)."""
    return render(
        request, "admin/requests_integration.html", {"key": assertion_key(desk.settings.secret_key)}
    )


@admin_router.post("/admin/requests/new")
def intake(
    request: Request,
    session: SessionDep,
    desk: DeskDep,
    who: AgentDep,
    kind: Annotated[str, Form()],
    email: Annotated[str, Form()],
    jurisdiction: Annotated[str, Form()],
    channel: Annotated[str, Form()] = "email",
    verified: Annotated[str, Form()] = "",
) -> Response:
    """Take in a request that arrived by email, post or phone; staff may vouch for the identity."""
    submission = submit(
        session,
        desk.context(),
        kind=kind,
        email=email,
        jurisdiction=jurisdiction,
        source=channel[:16],
        vouched_by=_actor(who) if verified else "",
    )
    found = submission.request
    return RedirectResponse(f"/admin/requests/{found.id}", status_code=303)


@admin_router.get("/admin/requests/{request_id}")
def detail(request: Request, session: SessionDep, desk: DeskDep, who: AgentDep, request_id: str) -> Response:
    ctx = desk.context()
    found = get_request(session, request_id)
    identity = ctx.unseal(found.identity_sealed)
    preview, preview_error = "", ""
    if identity and found.state not in CLOSED:
        try:
            preview = desk.executor.preview(identity)
        except TrothError as exc:
            preview_error = exc.message
    steps = session.scalars(select(JobStep).where(JobStep.subject.startswith(found.id))).all()
    agent = ctx.unseal(found.agent_sealed)
    agent.pop("document", None)
    return render(
        request,
        "admin/request.html",
        {
            "req": found,
            "identity": identity,
            "details": ctx.unseal(found.details_sealed),
            "agent": agent,
            "preview": preview,
            "preview_error": preview_error,
            "notes": session.scalars(select(Note).where(Note.request_id == found.id).order_by(Note.id)).all(),
            "tasks": session.scalars(
                select(RecipientTask).where(RecipientTask.request_id == found.id).order_by(RecipientTask.id)
            ).all(),
            "result": session.get(RequestResult, found.id),
            "steps": steps,
            "today": dt.datetime.now(dt.UTC).date(),
            "description": DESCRIPTIONS.get(found.state, ""),
            "rights": RIGHTS,
            "jurisdiction": JURISDICTIONS.get(found.jurisdiction),
        },
    )


def _back(request_id: str) -> Response:
    return RedirectResponse(f"/admin/requests/{request_id}", status_code=303)


def _load(session: Session, request_id: str) -> DsrRequest:
    return get_request(session, request_id)


@admin_router.post("/admin/requests/{request_id}/approve")
def approve_request(session: SessionDep, desk: DeskDep, who: AgentDep, request_id: str) -> Response:
    approve(session, desk.context(), _load(session, request_id), actor=_actor(who))
    return _back(request_id)


@admin_router.post("/admin/requests/{request_id}/deny")
def deny_request(
    session: SessionDep,
    desk: DeskDep,
    who: AgentDep,
    request_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    deny(session, desk.context(), _load(session, request_id), actor=_actor(who), reason=reason)
    return _back(request_id)


@admin_router.post("/admin/requests/{request_id}/extend")
def extend_request(
    session: SessionDep,
    desk: DeskDep,
    who: AgentDep,
    request_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    extend(session, desk.context(), _load(session, request_id), actor=_actor(who), reason=reason)
    return _back(request_id)


@admin_router.post("/admin/requests/{request_id}/note")
def note_request(
    session: SessionDep,
    desk: DeskDep,
    who: AgentDep,
    request_id: str,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    add_note(session, desk.context(), _load(session, request_id), actor=_actor(who), body=body)
    return _back(request_id)


@admin_router.post("/admin/requests/{request_id}/rerun")
def rerun_request(session: SessionDep, desk: DeskDep, who: AgentDep, request_id: str) -> Response:
    rerun(session, desk.context(), _load(session, request_id), actor=_actor(who))
    return _back(request_id)


@admin_router.post("/admin/requests/{request_id}/tasks/{task_id}")
def task_action(
    session: SessionDep,
    desk: DeskDep,
    who: AgentDep,
    request_id: str,
    task_id: int,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if action == "retry":
        retry_task(session, desk.context(), _load(session, request_id), task_id, actor=_actor(who))
        return _back(request_id)
    if action not in ("done", "waive"):
        raise ConflictError("a task is done, waived, or (a failed webhook) retried")
    close_task(
        session,
        desk.context(),
        _load(session, request_id),
        task_id,
        actor=_actor(who),
        waive_reason=reason if action == "waive" else None,
    )
    return _back(request_id)


@admin_router.get("/admin/requests/{request_id}/agent-document")
def agent_document(session: SessionDep, desk: DeskDep, who: AgentDep, request_id: str) -> Response:
    agent = desk.context().unseal(_load(session, request_id).agent_sealed)
    if not agent.get("document"):
        raise ConflictError(f"request {request_id} has no agent's permission document")
    name = str(agent.get("document_name") or "permission").replace('"', "")
    return Response(
        bytes.fromhex(agent["document"]),
        media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
