"""The request engine on the web: the restriction check for the site's back end, and the engine's console page.

GET /api/v1/restrictions?kind=email&value=ann@example.org   → {"restricted": true}
GET /admin/engine                                             runs and how a request is searched
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select

from troth.dsr.engine import DsrRun, PlanError, is_restricted, make_plan
from troth.web._deps import AgentDep, AuditorDep, DeclarationDep, SessionDep, SettingsDep
from troth.web._errors import api_error_responses
from troth.web._templates import render

__all__ = ["admin_router", "router"]

router = APIRouter(prefix="/api/v1", tags=["requests"], responses=api_error_responses(401, 403))
admin_router = APIRouter(include_in_schema=False)

_RECENT = 100


class Restriction(BaseModel):
    kind: str
    restricted: bool


@router.get("/restrictions", summary="Whether processing of a person's data is restricted")
def restriction(
    kind: Annotated[str, Query(max_length=50, pattern=r"^[a-z][a-z0-9_]*$", description="identity kind")],
    value: Annotated[str, Query(min_length=1, max_length=320)],
    session: SessionDep,
    settings: SettingsDep,
    _caller: AgentDep,
) -> Restriction:
    """The site's back end asks before processing: a restricted person's data may only be stored."""
    normal: Any = int(value) if (kind == "id" or kind.endswith("_id")) and value.isdigit() else value
    return Restriction(
        kind=kind, restricted=is_restricted(session, secret=settings.secret_key, kind=kind, value=normal)
    )


def _totals(report: str | None) -> dict[str, int]:
    outcomes = json.loads(report or "{}").get("outcomes", [])
    keys = ("deleted", "anonymised", "updated", "retained")
    return {k: sum(int(o.get(k, 0) or 0) for o in outcomes) for k in keys}


@admin_router.get("/admin/engine", summary="Request engine", response_class=HTMLResponse)
def engine_page(
    request: Request, session: SessionDep, loaded: DeclarationDep, _caller: AuditorDep
) -> HTMLResponse:
    rows = session.scalars(select(DsrRun).order_by(DsrRun.started_at.desc()).limit(_RECENT)).all()
    runs = [
        {
            "id": r.id,
            "kind": r.kind,
            "status": r.status,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "error": r.error,
            "totals": _totals(r.report),
        }
        for r in rows
    ]
    declaration = loaded.declaration
    kinds = sorted(
        {f.identity for d in declaration.datasets for c in d.collections for f in c.fields if f.identity}
    )
    plans = []
    for kind in kinds:
        try:
            plans.append((kind, make_plan(declaration, [kind]).explain()))
        except PlanError as exc:
            plans.append((kind, [str(exc)]))
    return render(request, "admin/engine.html", {"runs": runs, "plans": plans})
