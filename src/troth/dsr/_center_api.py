"""The request API: `POST /api/v1/requests`, confirm with the emailed code, ask where a request is.

The same services as the privacy center's pages; mounted through the center's `router`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from troth._errors import VerificationError
from troth.dsr._center_deps import DeskDep, client_address, transaction
from troth.dsr.requests import (
    DESCRIPTIONS,
    DsrRequest,
    RequestContext,
    State,
    check_code,
    status_request,
    submit,
)
from troth.dsr.requests._verification import Outcome
from troth.web._errors import api_error_responses

__all__ = ["RequestIn", "RequestOut", "VerifyIn", "api_router"]

api_router = APIRouter()


class RequestIn(BaseModel):
    kind: str = Field(description="the right exercised, e.g. access, erasure, rectification")
    jurisdiction: str = Field(description="the regime the person asks under, e.g. gdpr, uk_gdpr, ccpa")
    email: str = Field("", max_length=320, description="the person's address (not needed with an assertion)")
    language: str = "en"
    details: dict[str, Any] = Field(
        default_factory=dict, description='e.g. {"corrections": {"identity.name": "Ana B"}}'
    )
    assertion: str = Field(
        "", max_length=8000, description="the site's signed identity assertion (HS256 JWT)"
    )


class RequestOut(BaseModel):
    id: str
    kind: str
    state: str
    jurisdiction: str
    received_at: str
    due_on: str
    status_url: str
    description: str


class VerifyIn(BaseModel):
    status_token: str = Field(max_length=100)
    code: str = Field(max_length=20)


def _out(ctx: RequestContext, found: DsrRequest) -> RequestOut:
    return RequestOut(
        id=found.id,
        kind=found.kind,
        state=found.state,
        jurisdiction=found.jurisdiction,
        received_at=found.received_at.isoformat(),
        due_on=found.due_on.isoformat(),
        status_url=ctx.status_url(found.id),
        description=DESCRIPTIONS.get(found.state, ""),
    )


@api_router.post(
    "/api/v1/requests",
    status_code=202,
    response_model=RequestOut,
    responses=api_error_responses(409, 422, 429, 400),
)
def api_submit(request: Request, desk: DeskDep, body: RequestIn) -> RequestOut:
    """Submit a request; the person confirms it with the emailed code (or the site's assertion)."""
    ctx = desk.context()
    with transaction(desk) as session:
        submission = submit(
            session,
            ctx,
            kind=body.kind,
            email=body.email,
            jurisdiction=body.jurisdiction,
            language=body.language,
            details=body.details,
            client=client_address(request),
            source="api",
            assertion=body.assertion,
        )
        return _out(ctx, submission.request)


@api_router.post(
    "/api/v1/requests/{request_id}/verify", response_model=RequestOut, responses=api_error_responses(400, 404)
)
def api_verify(desk: DeskDep, request_id: str, body: VerifyIn) -> RequestOut:
    """Confirm a request with the emailed code; wrong codes count towards the lock."""
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, body.status_token)
        outcome = (
            check_code(session, ctx, found, purpose="subject", code=body.code)
            if found.state == State.VERIFYING
            else Outcome("expired", request=found)
        )
        out = _out(ctx, found)
    if not outcome.ok:
        raise VerificationError(_outcome_message(outcome))
    return out


def _outcome_message(outcome: Outcome) -> str:
    if outcome.status == "wrong":
        return f"wrong code; {outcome.attempts_left} attempt(s) left"
    if outcome.status == "locked":
        return "too many wrong codes: the request is locked; make a new request"
    return "the code has expired or the request is no longer waiting for one"


@api_router.get(
    "/api/v1/requests/{request_id}", response_model=RequestOut, responses=api_error_responses(404)
)
def api_status(desk: DeskDep, request_id: str, token: Annotated[str, Query(max_length=100)]) -> RequestOut:
    """Where a request is (the token is the `s` of its status link)."""
    ctx = desk.context()
    with transaction(desk) as session:
        return _out(ctx, status_request(session, request_id, token))
