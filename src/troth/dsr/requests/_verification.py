"""Proving control of an address: an emailed one-time code and link.

Codes and links are stored only as keyed hashes, compared in constant time,
expire after the declaration's `code_ttl_minutes`, and allow
`max_attempts` wrong codes; the last wrong one locks the request (it
expires, and the person must start again). Attempts are counted with one
atomic UPDATE, so parallel guesses cannot exceed the limit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from troth import audit
from troth._crypto import constant_time_equal, keyed_hash, new_token, token_hash
from troth._errors import RateLimitedError
from troth.dsr.requests import _notify
from troth.dsr.requests._context import RequestContext
from troth.dsr.requests._models import DsrRequest, Verification
from troth.dsr.requests._states import State, check_transition
from troth.store import utcnow

__all__ = [
    "CODES_PER_HOUR",
    "Outcome",
    "check_code",
    "check_link",
    "mark_verified",
    "start_verification",
]

#: how many codes one request may have sent per hour (resends, download codes)
CODES_PER_HOUR = 5


@dataclass(frozen=True)
class Outcome:
    """The answer to one code or link: `ok`, `wrong` (with attempts left), `locked` or `expired`."""

    status: str
    attempts_left: int = 0
    request: DsrRequest | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _code_hash(ctx: RequestContext, request_id: str, purpose: str, code: str) -> str:
    return keyed_hash(ctx.secret, f"{request_id}:{purpose}:{code}", purpose="dsr.code")


def start_verification(
    session: Session, ctx: RequestContext, request: DsrRequest, *, purpose: str, to: str
) -> str:
    """Create a code + link for `purpose` ("subject" or "download") and email them; returns the code."""
    since = utcnow() - dt.timedelta(hours=1)
    recent = session.scalar(
        select(func.count())
        .select_from(Verification)
        .where(Verification.request_id == request.id, Verification.created_at > since)
    )
    if (recent or 0) >= CODES_PER_HOUR:
        raise RateLimitedError("too many codes sent for this request; try again in an hour", retry_after=3600)
    rules = ctx.declaration.rights.verification
    code = f"{secrets.randbelow(10**6):06d}"
    link_token = new_token(24)
    # a newer code replaces older unused ones for the same purpose
    session.execute(
        update(Verification)
        .where(
            Verification.request_id == request.id,
            Verification.purpose == purpose,
            Verification.used_at.is_(None),
        )
        .values(expires_at=utcnow())
    )
    session.add(
        Verification(
            request_id=request.id,
            purpose=purpose,
            code_hash=_code_hash(ctx, request.id, purpose, code),
            link_hash=token_hash(link_token),
            expires_at=utcnow() + dt.timedelta(minutes=rules.code_ttl_minutes),
            max_attempts=rules.max_attempts,
        )
    )
    path = "verify" if purpose == "subject" else "download"
    _notify.send_code(
        session,
        ctx,
        request,
        to=to,
        code=code,
        link=ctx.url(f"/privacy-center/{path}/{request.id}/{link_token}"),
        minutes=rules.code_ttl_minutes,
        download=purpose == "download",
    )
    return code


def _current(session: Session, request_id: str, purpose: str) -> Verification | None:
    return session.scalars(
        select(Verification)
        .where(Verification.request_id == request_id, Verification.purpose == purpose)
        .order_by(Verification.id.desc())
        .limit(1)
    ).first()


def check_code(
    session: Session, ctx: RequestContext, request: DsrRequest, *, purpose: str, code: str
) -> Outcome:
    """Check a typed code; a wrong one uses up an attempt, the last wrong one locks the request.

    A right code for the "subject" purpose verifies the request (and may auto-approve it).
    """
    expected_hash = _code_hash(ctx, request.id, purpose, code.strip())
    found = _current(session, request.id, purpose)
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return Outcome("expired", request=request)
    counted = session.execute(
        update(Verification)
        .where(Verification.id == found.id, Verification.attempts < Verification.max_attempts)
        .values(attempts=Verification.attempts + 1)
    )
    if getattr(counted, "rowcount", 0) != 1:
        return Outcome("locked", request=request)
    session.refresh(found)
    if constant_time_equal(found.code_hash, expected_hash):
        return _accept(session, ctx, request, found, method="email_code")
    left = found.max_attempts - found.attempts
    if left > 0:
        return Outcome("wrong", attempts_left=left, request=request)
    if purpose == "subject" and request.state in (State.RECEIVED, State.VERIFYING):
        request.state, request.closed_at = State.EXPIRED, utcnow()
        request.denied_reason = "locked after too many wrong codes"
    audit.record(
        session,
        secret=ctx.secret,
        actor="person",
        action="request.locked",
        detail={"id": request.id, "purpose": purpose, "attempts": found.attempts},
    )
    return Outcome("locked", request=request)


def check_link(
    session: Session, ctx: RequestContext, request: DsrRequest, *, purpose: str, link_token: str
) -> Outcome:
    """Check an emailed link: the newest for its purpose, unexpired, unused and not locked."""
    found = _current(session, request.id, purpose)
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return Outcome("expired", request=request)
    if found.attempts >= found.max_attempts:
        return Outcome("locked", request=request)
    if not constant_time_equal(found.link_hash, token_hash(link_token)):
        return Outcome("expired", request=request)
    return _accept(session, ctx, request, found, method="email_link")


def _accept(
    session: Session, ctx: RequestContext, request: DsrRequest, found: Verification, *, method: str
) -> Outcome:
    found.used_at = utcnow()
    if found.purpose == "subject" and request.state in (State.RECEIVED, State.VERIFYING):
        if request.agent_sealed is not None:
            method += "+agent"
        mark_verified(session, ctx, request, method=method, actor="person")
    return Outcome("ok", request=request)


def mark_verified(
    session: Session, ctx: RequestContext, request: DsrRequest, *, method: str, actor: str
) -> None:
    """The person is who they say: record it, acknowledge, and auto-approve where declared."""
    from troth.dsr.requests._review import approve

    check_transition(request.id, request.state, State.VERIFIED)
    request.state, request.verified_at, request.verification_method = State.VERIFIED, utcnow(), method
    identity = ctx.unseal(request.identity_sealed)
    audit.record(
        session,
        secret=ctx.secret,
        actor=actor,
        action="request.verify",
        subject=identity.get("email"),
        detail={"id": request.id, "method": method, "agent": request.agent_sealed is not None},
    )
    _notify.send_received(session, ctx, request, to=identity["email"])
    if request.kind in ctx.declaration.rights.auto_approve:
        approve(session, ctx, request, actor="auto-approve")
