"""The admin API (bearer tokens): reload the declaration, read the audit log and policy versions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from troth.web._deps import MAX_ID, AdminDep, AuditorDep, RuntimeDep, SessionDep, public
from troth.web._errors import api_error_responses

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=api_error_responses(401, 403))


class WhoAmI(BaseModel):
    name: str
    role: str
    kind: str


class Reloaded(BaseModel):
    status: str
    digest: str
    published_version: int | None
    message: str


class VersionOut(BaseModel):
    number: int
    label: str
    effective_date: dt.date
    published_at: dt.datetime
    material: bool
    changes: list[dict[str, Any]]


class AuditEventOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    subject_hash: str | None
    detail: dict[str, Any]
    hash: str


class AuditVerification(BaseModel):
    events: int
    ok: bool
    first_broken: int | None
    problem: str | None


@router.get("/admin/whoami", response_model=WhoAmI)
def whoami(who: AuditorDep) -> WhoAmI:
    """The caller's name and role."""
    return WhoAmI(name=who.name, role=who.role, kind=who.kind)


@router.post("/admin/reload", response_model=Reloaded, responses=api_error_responses(422))
def reload(runtime: RuntimeDep, who: AdminDep) -> Reloaded:
    """Re-read the declaration; it goes live only if it passes `troth check` (else 422, old one stays)."""
    result = runtime.reload(actor=who.actor)
    return Reloaded(
        status="reloaded",
        digest=result.digest,
        published_version=result.published_version,
        message=result.describe(),
    )


@router.get(
    "/policy/versions", response_model=list[VersionOut], tags=["policy"], dependencies=[Depends(public)]
)
def policy_versions(session: SessionDep) -> list[VersionOut]:
    """Every published policy version, newest first, with its classified changes."""
    from troth.notice._versions import list_versions

    return [
        VersionOut(
            number=v.number,
            label=v.label,
            effective_date=v.effective_date,
            published_at=v.published_at,
            material=v.material,
            changes=json.loads(v.changes_json),
        )
        for v in list_versions(session)
    ]


@router.get("/admin/audit", response_model=list[AuditEventOut])
def audit_events(
    session: SessionDep,
    who: AuditorDep,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="only events with a smaller id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventOut]:
    """Audit events, newest first, filtered by actor and action prefix."""
    from troth.audit import AuditEvent

    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if before:
        query = query.where(AuditEvent.id < before)
    return [
        AuditEventOut(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            subject_hash=e.subject_hash,
            detail=json.loads(e.detail),
            hash=e.hash,
        )
        for e in session.scalars(query)
    ]


@router.get("/admin/audit/verify", response_model=AuditVerification)
def audit_verify(session: SessionDep, runtime: RuntimeDep, who: AuditorDep) -> AuditVerification:
    """Recompute the audit chain and report the first broken link."""
    from troth.audit import verify

    count, problem = verify(session, secret=runtime.secret)
    return AuditVerification(
        events=count,
        ok=problem is None,
        first_broken=problem.event_id if problem else None,
        problem=str(problem) if problem else None,
    )
