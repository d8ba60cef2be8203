"""The emails a request sends, queued in the mail outbox in the caller's transaction.

Each message exists only if the state change that causes it commits; the
outbox delivers it (with retry) after that. Templates: `dsr/templates/mail/`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from troth.declaration import RIGHTS
from troth.dsr.requests._context import RequestContext
from troth.dsr.requests._models import DsrRequest
from troth.mail import enqueue

__all__ = [
    "send_agent_acknowledgement",
    "send_code",
    "send_completed",
    "send_denied",
    "send_extended",
    "send_received",
    "send_staff_reminder",
]


def _right(kind: str) -> str:
    text = RIGHTS.get(kind, kind)
    return text[0].lower() + text[1:]


def _date(day: dt.date | dt.datetime) -> str:
    return f"{day:%d %B %Y}"


def _send(session: Session, ctx: RequestContext, template: str, *, to: str, **values: Any) -> None:
    context = {
        "organization": ctx.declaration.organization.display_name,
        "center": ctx.url("/privacy-center"),
        **values,
    }
    enqueue(
        session, settings=ctx.settings, to=to, template=f"mail/{template}", context=context, kind=template
    )


def send_code(
    session: Session,
    ctx: RequestContext,
    request: DsrRequest,
    *,
    to: str,
    code: str,
    link: str,
    minutes: int,
    download: bool = False,
) -> None:
    why = (
        "to download the copy of your data"
        if download
        else f"to confirm your request to {_right(request.kind)}"
    )
    _send(
        session, ctx, "dsr_code", to=to, code=code, why=why, link=link, minutes=minutes, request_id=request.id
    )


def send_agent_acknowledgement(
    session: Session, ctx: RequestContext, request: DsrRequest, *, to: str, subject_email: str
) -> None:
    _send(
        session,
        ctx,
        "dsr_agent",
        to=to,
        right=_right(request.kind),
        subject_email=subject_email,
        request_id=request.id,
    )


def send_received(session: Session, ctx: RequestContext, request: DsrRequest, *, to: str) -> None:
    _send(
        session,
        ctx,
        "dsr_received",
        to=to,
        right=_right(request.kind),
        request_id=request.id,
        due=_date(request.due_on),
        status_url=ctx.status_url(request.id),
    )


def send_extended(session: Session, ctx: RequestContext, request: DsrRequest, *, to: str) -> None:
    _send(
        session,
        ctx,
        "dsr_extended",
        to=to,
        request_id=request.id,
        reason=request.extension_reason,
        due=_date(request.due_on),
        status_url=ctx.status_url(request.id),
    )


def send_denied(session: Session, ctx: RequestContext, request: DsrRequest, *, to: str) -> None:
    authority = ctx.declaration.organization.supervisory_authority
    _send(
        session,
        ctx,
        "dsr_denied",
        to=to,
        request_id=request.id,
        reason=request.denied_reason,
        authority=authority.name if authority else "",
    )


def send_completed(
    session: Session,
    ctx: RequestContext,
    request: DsrRequest,
    *,
    to: str,
    report: dict[str, Any],
    download_url: str | None,
    expires_at: dt.datetime | None,
) -> None:
    _send(
        session,
        ctx,
        "dsr_completed",
        to=to,
        request_id=request.id,
        right=_right(request.kind),
        download_url=download_url or "",
        expires=_date(expires_at) if expires_at else "",
        lines=report.get("lines", []),
        kept=report.get("kept", []),
    )


def send_staff_reminder(session: Session, ctx: RequestContext, requests: list[DsrRequest]) -> None:
    _send(
        session,
        ctx,
        "dsr_reminder",
        to=ctx.staff_address(),
        requests=requests,
        queue_url=ctx.url("/admin/requests"),
    )
