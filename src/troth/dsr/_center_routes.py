"""The privacy center (`/privacy-center`), its API (`/api/v1/requests`) and the admin request queue.

Pages are server-rendered and work without JavaScript. Routes parse, call a
service of `troth.dsr.requests`, and present; the services own every rule.
Steps the services enqueue run on the desk's worker (in-process, or Celery
with `TROTH_BROKER_URL`).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from troth import audit
from troth._errors import TrothError
from troth.declaration import JURISDICTIONS, RIGHTS
from troth.dsr._center_admin import admin_router
from troth.dsr._center_api import api_router
from troth.dsr._center_deps import DeskDep, client_address, lifespan, transaction
from troth.dsr.requests import (
    DESCRIPTIONS,
    Agent,
    DsrRequest,
    RequestContext,
    RequestResult,
    State,
    check_code,
    check_link,
    downloadable,
    offered_kinds,
    read_archive,
    start_verification,
    status_request,
    status_token_for,
    submit,
)
from troth.dsr.requests._desk import RequestDesk
from troth.dsr.requests._i18n import choose_language, translator
from troth.dsr.requests._verification import Outcome
from troth.web._deps import public
from troth.web._templates import render

__all__ = ["admin_router", "router"]

MAX_UPLOAD = 5 * 1024 * 1024

router = APIRouter(lifespan=lifespan, dependencies=[Depends(public)])

# ---------------------------------------------------------------- page helpers


def _language(request: Request, ctx: RequestContext, asked: str = "") -> str:
    return choose_language(
        ctx.declaration.policy.languages,
        asked or request.query_params.get("lang", ""),
        request.headers.get("accept-language", ""),
    )


def _page(
    request: Request,
    ctx: RequestContext,
    name: str,
    values: dict[str, Any],
    *,
    status: int = 200,
    lang: str = "",
) -> Response:
    language = _language(request, ctx, lang)
    context = {
        "lang": language,
        "t": translator(language),
        "rights": RIGHTS,
        "descriptions": DESCRIPTIONS,
        "declaration": ctx.declaration,
        **values,
    }
    return render(request, f"privacy_center/{name}", context, status=status)


def _status_path(ctx: RequestContext, request_id: str, lang: str = "") -> str:
    suffix = f"&lang={lang}" if lang else ""
    return f"/privacy-center/requests/{request_id}?s={status_token_for(ctx.secret, request_id)}{suffix}"


# ---------------------------------------------------------------- the form


@router.get("/privacy-center", summary="Privacy center: make a request")
def center(request: Request, desk: DeskDep, region: str = "") -> Response:
    ctx = desk.context()
    regions = list(ctx.declaration.rights.jurisdictions)
    if region not in regions:
        region = regions[0] if len(regions) == 1 else ""
    return _page(request, ctx, "index.html", _form_values(ctx, region, {}, []))


def _form_values(
    ctx: RequestContext, region: str, values: dict[str, Any], errors: list[str]
) -> dict[str, Any]:
    return {
        "regions": [
            (j, JURISDICTIONS[j].name) for j in ctx.declaration.rights.jurisdictions if j in JURISDICTIONS
        ],
        "region": region,
        "kinds": offered_kinds(ctx, region) if region else [],
        "agents": ctx.declaration.rights.authorized_agents,
        "values": values,
        "errors": errors,
    }


@router.post("/privacy-center/requests", summary="Privacy center: submit a request")
def center_submit(
    request: Request,
    desk: DeskDep,
    region: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
    correction_field: Annotated[str, Form(max_length=200)] = "",
    correction_value: Annotated[str, Form(max_length=1000)] = "",
    is_agent: Annotated[str, Form()] = "",
    agent_name: Annotated[str, Form(max_length=200)] = "",
    agent_email: Annotated[str, Form(max_length=320)] = "",
    permission: UploadFile | None = None,
) -> Response:
    ctx = desk.context()
    values = {
        "kind": kind,
        "email": email,
        "message": message,
        "correction_field": correction_field,
        "correction_value": correction_value,
        "is_agent": is_agent,
        "agent_name": agent_name,
        "agent_email": agent_email,
    }
    details: dict[str, Any] = {"message": message.strip()} if message.strip() else {}
    if correction_field.strip() and correction_value.strip():
        details["corrections"] = {correction_field.strip(): correction_value.strip()}
    agent = None
    if is_agent:
        # a plain `def` route runs in the thread pool, so reading the spooled upload blocks no one
        document = permission.file.read(MAX_UPLOAD + 1) if permission is not None else b""
        agent = Agent(agent_name, agent_email, document, (permission.filename or "") if permission else "")
    try:
        with transaction(desk) as session:
            submission = submit(
                session,
                ctx,
                kind=kind,
                email=email,
                jurisdiction=region,
                language=lang,
                details=details,
                client=client_address(request),
                agent=agent,
            )
    except TrothError as exc:
        status = exc.status_code if exc.status_code < 500 else 400
        return _page(
            request,
            ctx,
            "index.html",
            _form_values(ctx, region, values, [exc.message]),
            status=status,
            lang=lang,
        )
    target = f"/privacy-center/requests/{submission.request.id}/verify?s={submission.status_token}"
    return RedirectResponse(target + (f"&lang={lang}" if lang else ""), status_code=303)


# ---------------------------------------------------------------- verification


def _verify_page(
    request: Request,
    ctx: RequestContext,
    found: DsrRequest,
    token: str,
    outcome: Outcome | None,
    *,
    notice: str = "",
) -> Response:
    status = 200 if outcome is None or outcome.ok else 400
    return _page(
        request,
        ctx,
        "verify.html",
        {"req": found, "token": token, "outcome": outcome, "notice": notice},
        status=status,
        lang=found.language,
    )


@router.get("/privacy-center/requests/{request_id}/verify", summary="Privacy center: enter the code")
def verify_form(request: Request, desk: DeskDep, request_id: str, s: str = "") -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, s)
    if found.state != State.VERIFYING:
        return RedirectResponse(_status_path(ctx, request_id), status_code=303)
    return _verify_page(request, ctx, found, s, None)


@router.post("/privacy-center/requests/{request_id}/verify", summary="Privacy center: check the code")
def verify_code(
    request: Request,
    desk: DeskDep,
    request_id: str,
    s: Annotated[str, Form()],
    code: Annotated[str, Form(max_length=20)],
) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, s)
        outcome = (
            check_code(session, ctx, found, purpose="subject", code=code)
            if found.state == State.VERIFYING
            else Outcome("expired", request=found)
        )
    if outcome.ok:
        return RedirectResponse(_status_path(ctx, request_id, found.language), status_code=303)
    return _verify_page(request, ctx, found, s, outcome)


@router.post("/privacy-center/requests/{request_id}/resend", summary="Privacy center: send a new code")
def resend_code(request: Request, desk: DeskDep, request_id: str, s: Annotated[str, Form()]) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, s)
        if found.state == State.VERIFYING:
            email = ctx.unseal(found.identity_sealed)["email"]
            start_verification(session, ctx, found, purpose="subject", to=email)
    return _verify_page(request, ctx, found, s, None, notice="A new code is on its way.")


@router.get(
    "/privacy-center/verify/{request_id}/{link_token}", summary="Privacy center: open the emailed link"
)
def link_form(request: Request, desk: DeskDep, request_id: str, link_token: str) -> Response:
    # A GET only shows a button: mail scanners that prefetch links must not confirm anything.
    ctx = desk.context()
    return _page(
        request,
        ctx,
        "link.html",
        {"action": f"/privacy-center/verify/{request_id}/{link_token}", "download": False},
    )


@router.post("/privacy-center/verify/{request_id}/{link_token}", summary="Privacy center: confirm by link")
def link_confirm(request: Request, desk: DeskDep, request_id: str, link_token: str) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = session.get(DsrRequest, request_id)
        outcome = (
            check_link(session, ctx, found, purpose="subject", link_token=link_token)
            if found
            else Outcome("expired")
        )
    if found is None or not outcome.ok:
        return _page(
            request,
            ctx,
            "message.html",
            {"title": "This link no longer works", "outcome": outcome},
            status=400,
        )
    return RedirectResponse(_status_path(ctx, request_id, found.language), status_code=303)


# ---------------------------------------------------------------- status and download


@router.get("/privacy-center/requests/{request_id}", summary="Privacy center: request status")
def status_page(request: Request, desk: DeskDep, request_id: str, s: str = "") -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, s)
        result = session.get(RequestResult, request_id)
    values = {"req": found, "token": s, "result": result, "now_ts": time.time()}
    return _page(request, ctx, "status.html", values, lang=found.language)


def _stream(desk: RequestDesk, found: DsrRequest, result: RequestResult) -> Response:
    return StreamingResponse(
        read_archive(desk.sessions, desk.settings.secret_key, found.id),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{result.filename or found.id + ".zip"}"',
            "cache-control": "no-store",
        },
    )


def _record_download(session: Session, ctx: RequestContext, found: DsrRequest, result: RequestResult) -> None:
    result.downloads += 1
    audit.record(
        session,
        secret=ctx.secret,
        actor="person",
        action="request.download",
        subject=ctx.unseal(found.identity_sealed).get("email"),
        detail={"id": found.id, "downloads": result.downloads},
    )


@router.post(
    "/privacy-center/requests/{request_id}/download", summary="Privacy center: email a download code"
)
def download_start(request: Request, desk: DeskDep, request_id: str, s: Annotated[str, Form()]) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, s)
        downloadable(session, request_id)
        start_verification(
            session, ctx, found, purpose="download", to=ctx.unseal(found.identity_sealed)["email"]
        )
    return _page(
        request, ctx, "download.html", {"req": found, "token": s, "outcome": None}, lang=found.language
    )


@router.post(
    "/privacy-center/requests/{request_id}/download/confirm", summary="Privacy center: download with the code"
)
def download_code(
    request: Request,
    desk: DeskDep,
    request_id: str,
    s: Annotated[str, Form()],
    code: Annotated[str, Form(max_length=20)],
) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        found = status_request(session, request_id, s)
        result = downloadable(session, request_id)
        outcome = check_code(session, ctx, found, purpose="download", code=code)
        if outcome.ok:
            _record_download(session, ctx, found, result)
    if not outcome.ok:
        return _page(
            request,
            ctx,
            "download.html",
            {"req": found, "token": s, "outcome": outcome},
            status=400,
            lang=found.language,
        )
    return _stream(desk, found, result)


@router.get(
    "/privacy-center/download/{request_id}/{link_token}", summary="Privacy center: open a download link"
)
def download_link_form(request: Request, desk: DeskDep, request_id: str, link_token: str) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        downloadable(session, request_id)
    return _page(
        request,
        ctx,
        "link.html",
        {"action": f"/privacy-center/download/{request_id}/{link_token}", "download": True},
    )


@router.post("/privacy-center/download/{request_id}/{link_token}", summary="Privacy center: download by link")
def download_link(request: Request, desk: DeskDep, request_id: str, link_token: str) -> Response:
    ctx = desk.context()
    with transaction(desk) as session:
        result = downloadable(session, request_id)
        found = session.get(DsrRequest, request_id)
        assert found is not None  # a result always belongs to a request
        outcome = check_link(session, ctx, found, purpose="download", link_token=link_token)
        if outcome.ok:
            _record_download(session, ctx, found, result)
    if not outcome.ok:
        return _page(
            request,
            ctx,
            "message.html",
            {"title": "This link no longer works", "outcome": outcome},
            status=400,
        )
    return _stream(desk, found, result)


# the API is mounted with the pages, so it carries the same `public` marking
router.include_router(api_router)
