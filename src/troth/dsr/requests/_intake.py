"""Taking a request in: check it against the declaration, record it, start verification.

The answer to a submission is the same whether or not troth (or the site)
knows the address: nothing is looked up before the person proves control of
it. Submissions are rate-limited per address and per client address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from troth import audit
from troth._crypto import keyed_hash, token_hash
from troth._errors import ConflictError, NotFoundError, RateLimitedError, VerificationError
from troth.declaration import RIGHTS
from troth.dsr.requests import _notify
from troth.dsr.requests._assertions import assertion_key, verify_assertion
from troth.dsr.requests._context import RequestContext, identity_hash, status_token_for
from troth.dsr.requests._deadlines import deadlines_for
from troth.dsr.requests._models import DsrRequest
from troth.dsr.requests._states import State, check_transition
from troth.dsr.requests._verification import mark_verified, start_verification
from troth.store import utcnow

__all__ = [
    "MAX_PER_ADDRESS_PER_HOUR",
    "MAX_PER_CLIENT_PER_HOUR",
    "REQUEST_KINDS",
    "Agent",
    "Submission",
    "offered_kinds",
    "status_request",
    "submit",
]

#: rights a person can ask for (non-discrimination is a promise, not a request)
REQUEST_KINDS = tuple(kind for kind in RIGHTS if kind != "non_discrimination")
MAX_PER_ADDRESS_PER_HOUR = 3
MAX_PER_CLIENT_PER_HOUR = 10
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DETAILS_CHARS = 10_000
_EMAIL = TypeAdapter(EmailStr)
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Agent:
    """An authorized agent acting for the person, with their signed permission document."""

    name: str
    email: str
    document: bytes = b""
    document_name: str = ""


@dataclass
class Submission:
    request: DsrRequest
    status_token: str
    #: set only when the caller is the person (not shown to agents): for tests and the bench
    codes: dict[str, str] = field(default_factory=dict)


def offered_kinds(ctx: RequestContext, jurisdiction: str) -> list[str]:
    rights = ctx.declaration.rights.jurisdictions.get(jurisdiction)
    if rights is None:
        return []
    return [kind for kind in rights.offered if kind in REQUEST_KINDS]


def _normal_email(value: str) -> str:
    try:
        return str(_EMAIL.validate_python(value.strip())).lower()
    except ValidationError:
        raise VerificationError(f"{value!r} is not an email address") from None


def _new_id() -> str:
    return "R" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(9))


def _check_rate(session: Session, column: Any, value: str, limit: int, what: str) -> None:
    since = utcnow() - dt.timedelta(hours=1)
    count = session.scalar(
        select(func.count()).select_from(DsrRequest).where(column == value, DsrRequest.received_at > since)
    )
    if (count or 0) >= limit:
        raise RateLimitedError(f"too many requests from this {what}; try again in an hour", retry_after=3600)


def _check_kind(ctx: RequestContext, kind: str, jurisdiction: str, details: dict[str, Any]) -> None:
    if jurisdiction not in ctx.declaration.rights.jurisdictions:
        known = ", ".join(sorted(ctx.declaration.rights.jurisdictions))
        raise ConflictError(f"requests under {jurisdiction!r} are not offered here; choose one of: {known}")
    offered = offered_kinds(ctx, jurisdiction)
    if kind not in offered:
        raise ConflictError(
            f"a request to {kind!r} is not offered under {jurisdiction}; offered: {', '.join(offered)}"
        )
    if kind == "rectification":
        corrections = details.get("corrections")
        if not isinstance(corrections, dict) or not corrections:
            raise ConflictError("a rectification needs the corrections: which field, and its correct value")


def submit(
    session: Session,
    ctx: RequestContext,
    *,
    kind: str,
    email: str,
    jurisdiction: str,
    language: str = "en",
    details: dict[str, Any] | None = None,
    client: str = "",
    source: str = "privacy_center",
    assertion: str = "",
    agent: Agent | None = None,
    vouched_by: str = "",
) -> Submission:
    """Record a request and start verifying it.

    The identity counts as verified at once with the site's signed `assertion`, or when a staff
    member (`vouched_by`) checked it themselves for a request that came by email, post or phone.
    """
    details = dict(details or {})
    if len(json.dumps(details, default=str)) > MAX_DETAILS_CHARS:
        raise ConflictError(f"the request's details are longer than {MAX_DETAILS_CHARS} characters")
    _check_kind(ctx, kind, jurisdiction, details)
    identity: dict[str, str] = {}
    if assertion:
        asserted = verify_assertion(assertion, assertion_key(ctx.secret))
        identity = {"email": _normal_email(asserted.email)}
        if asserted.user_id:
            identity["user_id"] = asserted.user_id
    else:
        identity = {"email": _normal_email(email)}
    subject_hash = identity_hash(ctx.secret, identity["email"])
    client_hash = keyed_hash(ctx.secret, client, purpose="dsr.client") if client else None
    if not assertion and not vouched_by:
        _check_rate(session, DsrRequest.identity_hash, subject_hash, MAX_PER_ADDRESS_PER_HOUR, "address")
        if client_hash is not None:
            _check_rate(session, DsrRequest.ip_hash, client_hash, MAX_PER_CLIENT_PER_HOUR, "network address")
    languages = ctx.declaration.policy.languages
    received = utcnow()
    deadlines = deadlines_for(
        jurisdiction,
        received.date(),
        declared_days=ctx.declaration.rights.jurisdictions[jurisdiction].deadline_days,
    )
    request_id = _new_id()
    status_token = status_token_for(ctx.secret, request_id)
    request = DsrRequest(
        id=request_id,
        kind=kind,
        jurisdiction=jurisdiction,
        language=language if language in languages else languages[0],
        state=State.RECEIVED,
        source="agent" if agent else ("assertion" if assertion else source),
        identity_hash=subject_hash,
        identity_sealed=ctx.seal(identity),
        details_sealed=ctx.seal(details) if details else None,
        status_token_hash=token_hash(status_token),
        ip_hash=client_hash,
        received_at=received,
        due_on=deadlines.due,
        longest_due_on=deadlines.extended_due,
        acknowledge_by=deadlines.acknowledge_by,
    )
    if agent is not None:
        _attach_agent(ctx, request, agent)
    session.add(request)
    session.flush()
    audit.record(
        session,
        secret=ctx.secret,
        actor=f"person:{request.source}",
        action="request.receive",
        subject=identity["email"],
        detail={"id": request.id, "kind": kind, "jurisdiction": jurisdiction, "agent": agent is not None},
    )
    submission = Submission(request=request, status_token=status_token)
    if assertion:
        mark_verified(session, ctx, request, method="signed_assertion", actor="site")
    elif vouched_by:
        mark_verified(session, ctx, request, method="staff", actor=vouched_by)
    else:
        check_transition(request.id, request.state, State.VERIFYING)
        request.state = State.VERIFYING
        code = start_verification(session, ctx, request, purpose="subject", to=identity["email"])
        submission.codes["subject"] = code
        if agent is not None:
            _notify.send_agent_acknowledgement(
                session, ctx, request, to=_normal_email(agent.email), subject_email=identity["email"]
            )
    return submission


def _attach_agent(ctx: RequestContext, request: DsrRequest, agent: Agent) -> None:
    rules = ctx.declaration.rights.authorized_agents
    if not rules.allowed:
        raise ConflictError("this site does not accept requests from authorized agents")
    if rules.require_signed_permission and not agent.document:
        raise ConflictError("an authorized agent must attach the person's signed permission document")
    if len(agent.document) > MAX_DOCUMENT_BYTES:
        raise ConflictError(f"the permission document is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")
    if not agent.name.strip():
        raise ConflictError("give the authorized agent's name")
    request.agent_sealed = ctx.seal(
        {
            "name": agent.name.strip(),
            "email": _normal_email(agent.email),
            "document_name": agent.document_name,
            "document": agent.document.hex(),
        }
    )
    request.agent_document_sha256 = hashlib.sha256(agent.document).hexdigest()


def status_request(session: Session, request_id: str, status_token: str) -> DsrRequest:
    """The request a status link points at; the same answer for a wrong id as for a wrong token."""
    request = session.get(DsrRequest, request_id)
    expected = request.status_token_hash if request is not None else "0" * 64
    if not secrets.compare_digest(expected, token_hash(status_token)) or request is None:
        raise NotFoundError("no request matches this link; use the link from your email")
    return request
