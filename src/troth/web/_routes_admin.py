"""The admin console: login, dashboard, policy versions, audit log, outbox."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from troth import audit
from troth._errors import NotFoundError
from troth.web._accounts import authenticate_password, end_session, start_session, use_login_link
from troth.web._deps import (
    MAX_ID,
    SESSION_COOKIE,
    AgentDep,
    AuditorDep,
    RowId,
    RuntimeDep,
    SessionDep,
    SettingsDep,
    csrf_protect,
    public,
)
from troth.web._templates import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_PAGE = 50


def _safe_next(target: str) -> str:
    """Only redirect inside the console after login (no open redirect)."""
    if target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _logged_in(request: Request, settings: SettingsDep, token: str, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/admin/login", dependencies=[Depends(public)])
def login_page(request: Request, next: str = "/admin") -> HTMLResponse:
    return render(request, "admin/login.html", {"next": _safe_next(next), "error": ""})


@router.post("/admin/login", dependencies=[Depends(public), Depends(csrf_protect)])
def login(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin",
) -> Response:
    user = authenticate_password(
        session, runtime.settings, name=name, password=password, address=_client(request)
    )
    if user is None:
        context = {"next": _safe_next(next), "error": "Wrong name or password.", "name": name}
        return render(request, "admin/login.html", context, status=401)
    token = start_session(session, runtime.settings, user)
    audit.record(
        session,
        secret=runtime.secret,
        actor=f"user:{user.name}",
        action="admin.login",
        detail={"via": "password"},
    )
    return _logged_in(request, runtime.settings, token, _safe_next(next))


@router.get("/admin/login/{token}", dependencies=[Depends(public)])
def login_link(request: Request, token: str, session: SessionDep, runtime: RuntimeDep) -> Response:
    """A one-time login link (printed by `make run`): valid once, for a few minutes."""
    user = use_login_link(session, token)
    if user is None:
        context = {"next": "/admin", "error": "This login link has expired or was used already."}
        return render(request, "admin/login.html", context, status=401)
    cookie = start_session(session, runtime.settings, user)
    audit.record(
        session,
        secret=runtime.secret,
        actor=f"user:{user.name}",
        action="admin.login",
        detail={"via": "link"},
    )
    return _logged_in(request, runtime.settings, cookie, "/admin")


@router.post("/admin/logout")
def logout(request: Request, session: SessionDep, who: AuditorDep) -> RedirectResponse:
    if cookie := request.cookies.get(SESSION_COOKIE):
        end_session(session, cookie)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/admin")
def dashboard(request: Request, session: SessionDep, runtime: RuntimeDep, who: AuditorDep) -> HTMLResponse:
    from troth.mail import OutboxMessage
    from troth.notice._versions import timeline

    now = timeline(session, today=dt.datetime.now(dt.UTC).date())
    statuses: dict[str, int] = {
        status: count
        for status, count in session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
    }
    recent = session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.id.desc()).limit(10)).all()
    context = {
        "declaration": runtime.loaded.declaration,
        "current": now.current,
        "upcoming": now.upcoming,
        "outbox": statuses,
        "recent": recent,
    }
    return render(request, "admin/dashboard.html", context)


@router.get("/admin/policy", summary="Policy")
def policy(request: Request, session: SessionDep, who: AuditorDep) -> HTMLResponse:
    from troth.notice._versions import list_versions, timeline

    now = timeline(session, today=dt.datetime.now(dt.UTC).date())
    context = {"versions": list_versions(session), "current": now.current, "upcoming": now.upcoming}
    return render(request, "admin/policy.html", context)


@router.get("/admin/audit", summary="Audit log")
def audit_log(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    who: AuditorDep,
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=100)] = "",
    subject: Annotated[str, Query(max_length=320)] = "",
    since: Annotated[dt.date | None, Query()] = None,
    until: Annotated[dt.date | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The audit log, newest first; the subject filter hashes what is typed, as the log does."""
    event = audit.AuditEvent
    query = select(event).order_by(event.id.desc()).limit(_PAGE)
    if actor:
        query = query.where(event.actor.contains(actor, autoescape=True))
    if action:
        query = query.where(event.action.startswith(action, autoescape=True))
    if subject:
        query = query.where(event.subject_hash == audit.subject_hash(runtime.secret, subject))
    if since:
        query = query.where(event.at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        query = query.where(event.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC))
    if before:
        query = query.where(event.id < before)
    rows = session.scalars(query).all()
    filters = {
        "actor": actor,
        "action": action,
        "subject": subject,
        "since": since or "",
        "until": until or "",
    }
    more = rows[-1].id if len(rows) == _PAGE else None
    return render(request, "admin/audit.html", {"events": rows, "filters": filters, "more": more})


@router.get("/admin/outbox", summary="Outbox")
def outbox(
    request: Request,
    session: SessionDep,
    who: AgentDep,
    status: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    from troth.mail import OutboxMessage

    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    if status:
        query = query.where(OutboxMessage.status == status)
    context = {"messages": session.scalars(query).all(), "status": status}
    return render(request, "admin/outbox.html", context)


@router.get("/admin/outbox/{message}")
def outbox_message(
    request: Request, session: SessionDep, runtime: RuntimeDep, who: AgentDep, message: RowId
) -> HTMLResponse:
    from troth.mail import OutboxMessage

    row = session.get(OutboxMessage, message)
    if row is None:
        raise NotFoundError(f"there is no outbox message {message}")
    # An email's text is personal data: reading it is on the record.
    audit.record(
        session,
        secret=runtime.secret,
        actor=who.actor,
        action="outbox.read",
        subject=row.to_addr,
        detail={"message": row.id, "kind": row.kind},
    )
    return render(request, "admin/outbox_message.html", {"message": row})
