"""Public pages: health, the privacy policy, its cookie table, versions and diffs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import text

from troth._errors import NotFoundError
from troth.store._types import utcnow
from troth.web._deps import MAX_ID, DeclarationDep, RowId, SessionDep, public
from troth.web._errors import BadRequestError, api_error_responses
from troth.web._templates import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(public)])


class Health(BaseModel):
    status: str
    policy_version: str
    store: str


@router.get("/healthz", response_model=Health, tags=["health"])
def healthz(session: SessionDep, loaded: DeclarationDep) -> Health:
    """Liveness and readiness: the store answers and a declaration is live."""
    session.execute(text("SELECT 1"))
    return Health(status="ok", policy_version=loaded.declaration.policy.version, store="ok")


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/privacy", status_code=303)


def _today() -> dt.date:
    return utcnow().date()


@router.get("/privacy", response_class=HTMLResponse, tags=["policy"])
def privacy(request: Request, session: SessionDep) -> HTMLResponse:
    """The policy in force today, and notice of an upcoming version when one is published."""
    from troth.notice._versions import timeline

    today = _today()
    now = timeline(session, today=today)
    shown = now.current or now.upcoming
    if shown is None:
        raise NotFoundError("no policy version is published yet")
    context: dict[str, Any] = {
        "version": shown,
        "upcoming": now.upcoming,
        "in_force": now.current is not None,
        "policy_html": shown.policy_html,
        "today": today,
    }
    return render(request, "policy/page.html", context)


@router.get("/privacy/cookies", response_class=HTMLResponse, tags=["policy"])
def cookies(request: Request, session: SessionDep) -> HTMLResponse:
    """The cookie and tracker table of the policy in force."""
    from troth.notice._versions import timeline

    now = timeline(session, today=_today())
    shown = now.current or now.upcoming
    if shown is None:
        raise NotFoundError("no policy version is published yet")
    return render(request, "policy/cookies.html", {"table_html": shown.cookies_html})


@router.get("/privacy/versions", response_class=HTMLResponse, tags=["policy"])
def versions(request: Request, session: SessionDep) -> HTMLResponse:
    """Every published version with its effective date."""
    from troth.notice._versions import list_versions, timeline

    now = timeline(session, today=_today())
    return render(
        request,
        "policy/versions.html",
        {
            "versions": list_versions(session),
            "current": now.current,
            "upcoming": now.upcoming,
        },
    )


@router.get(
    "/privacy/versions/{number}",
    response_class=HTMLResponse,
    tags=["policy"],
    responses=api_error_responses(404),
)
def version(request: Request, session: SessionDep, number: RowId) -> HTMLResponse:
    """One published version, as it was worded."""
    from troth.notice._versions import get_version, timeline

    shown = get_version(session, number)
    now = timeline(session, today=_today())
    context = {
        "version": shown,
        "upcoming": now.upcoming if now.upcoming is not None and now.upcoming.number == number else None,
        "in_force": now.current is not None and now.current.number == number,
        "policy_html": shown.policy_html,
        "today": _today(),
        "archived": True,
    }
    return render(request, "policy/page.html", context)


@router.get(
    "/privacy/diff",
    response_class=HTMLResponse,
    tags=["policy"],
    responses=api_error_responses(400, 404),
)
def diff(
    request: Request,
    session: SessionDep,
    from_: Annotated[int, Query(alias="from", ge=1, le=MAX_ID, description="the older version number")],
    to: Annotated[int, Query(ge=1, le=MAX_ID, description="the newer version number")],
) -> HTMLResponse:
    """What changed between two versions: classified changes and the reworded text."""
    from troth.notice._diff import classify, text_diff
    from troth.notice._versions import get_version

    if from_ == to:
        raise BadRequestError("pick two different versions to compare")
    older, newer = get_version(session, from_), get_version(session, to)
    label = newer.declaration().category_label
    changes = classify(json.loads(older.declaration_json), json.loads(newer.declaration_json), label=label)
    context = {
        "older": older,
        "newer": newer,
        "changes": changes,
        "material": any(change.material for change in changes),
        "lines": text_diff(older.policy_md, newer.policy_md),
    }
    return render(request, "policy/diff.html", context)
