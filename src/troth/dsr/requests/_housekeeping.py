"""The hourly round: expire unconfirmed requests, destroy expired downloads, remind staff, minimise.

Data minimisation: once a closed request's keeping period
(`rights.record_keeping`) has passed, troth's record keeps only the keyed
hash of the identity and the outcome; the sealed identity and details, the
agent's document, notes, codes and any archive are deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from troth import audit
from troth.dsr.requests import _notify
from troth.dsr.requests._context import ContextProvider, RequestContext
from troth.dsr.requests._models import DsrRequest, Note, RecipientTask, RequestResult, Verification
from troth.dsr.requests._results import destroy_archive
from troth.dsr.requests._states import CLOSED, OPEN, State
from troth.jobs import StepContext, StepRegistry
from troth.store import utcnow

__all__ = ["HOUSEKEEPING", "Round", "housekeeping_round", "register_housekeeping"]

HOUSEKEEPING = "dsr.housekeeping"
#: an unconfirmed request expires after this long
UNVERIFIED_FOR = dt.timedelta(days=3)
#: staff are reminded of requests due within this many days (at most once a day each)
REMIND_DAYS_BEFORE = 7
_BATCH = 200


@dataclass
class Round:
    expired: int = 0
    destroyed: int = 0
    reminded: int = 0
    minimised: int = 0


def housekeeping_round(session: Session, ctx: RequestContext, *, now: dt.datetime | None = None) -> Round:
    now = now or utcnow()
    done = Round()
    stale = session.scalars(
        select(DsrRequest)
        .where(
            DsrRequest.state.in_((State.RECEIVED, State.VERIFYING)),
            DsrRequest.received_at < now - UNVERIFIED_FOR,
        )
        .limit(_BATCH)
    ).all()
    for request in stale:
        request.state, request.closed_at, request.outcome = State.EXPIRED, now, {"result": "expired"}
        done.expired += 1
    for request_id in session.scalars(
        select(RequestResult.request_id)
        .where(RequestResult.expires_at < now, RequestResult.destroyed_at.is_(None))
        .limit(_BATCH)
    ).all():
        destroy_archive(session, request_id)
        done.destroyed += 1
    due = session.scalars(
        select(DsrRequest)
        .where(
            DsrRequest.state.in_(OPEN - {State.RECEIVED, State.VERIFYING}),
            DsrRequest.due_on <= (now + dt.timedelta(days=REMIND_DAYS_BEFORE)).date(),
            (DsrRequest.reminded_at.is_(None)) | (DsrRequest.reminded_at < now - dt.timedelta(days=1)),
        )
        .order_by(DsrRequest.due_on)
        .limit(_BATCH)
    ).all()
    if due:
        _notify.send_staff_reminder(session, ctx, list(due))
        session.execute(
            update(DsrRequest).where(DsrRequest.id.in_([r.id for r in due])).values(reminded_at=now)
        )
        done.reminded = len(due)
    done.minimised = _minimise(session, ctx, now)
    if done.expired or done.destroyed or done.minimised:
        audit.record(
            session,
            secret=ctx.secret,
            actor="system",
            action="request.housekeeping",
            detail={"expired": done.expired, "destroyed": done.destroyed, "minimised": done.minimised},
        )
    return done


def _minimise(session: Session, ctx: RequestContext, now: dt.datetime) -> int:
    keep_days = ctx.declaration.rights.record_keeping.days
    ids = list(
        session.scalars(
            select(DsrRequest.id)
            .where(
                DsrRequest.state.in_(CLOSED),
                DsrRequest.minimised_at.is_(None),
                DsrRequest.closed_at < now - dt.timedelta(days=keep_days),
            )
            .limit(_BATCH)
        )
    )
    if not ids:
        return 0
    for request_id in ids:
        destroy_archive(session, request_id)
    session.execute(delete(Note).where(Note.request_id.in_(ids)))
    session.execute(delete(Verification).where(Verification.request_id.in_(ids)))
    session.execute(
        update(RecipientTask).where(RecipientTask.request_id.in_(ids)).values(reason=None, last_error=None)
    )
    session.execute(
        update(RequestResult).where(RequestResult.request_id.in_(ids)).values(report=None, filename=None)
    )
    session.execute(
        update(DsrRequest)
        .where(DsrRequest.id.in_(ids))
        .values(
            identity_sealed=None,
            details_sealed=None,
            agent_sealed=None,
            ip_hash=None,
            extension_reason=None,
            error=None,
            minimised_at=now,
        )
    )
    return len(ids)


def _run(context: StepContext, provide: ContextProvider) -> None:
    ctx = provide()
    with context.finish() as session:
        housekeeping_round(session, ctx)


def register_housekeeping(registry: StepRegistry, provide: ContextProvider) -> None:
    registry.register_periodic(
        HOUSEKEEPING, lambda context: _run(context, provide), every=dt.timedelta(hours=1)
    )
