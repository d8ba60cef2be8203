"""The consent pages of the admin console: statistics, search, receipts, retention pruning."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from troth import audit
from troth.consent._banner import BannerConfig
from troth.consent._events import CONSENT_ID
from troth.consent._receipt import receipt
from troth.consent._stats import line_chart, prune, statistics
from troth.web._deps import AdminDep, AuditorDep, RuntimeDep, SessionDep
from troth.web._templates import render

__all__ = ["admin_router"]

ConsentIdPath = Annotated[str, Path(pattern=CONSENT_ID.pattern)]

admin_router = APIRouter(tags=["consent admin"], include_in_schema=False)

_ACTIONS = ("accept_all", "reject_all", "custom", "withdraw", "gpc", "dnt", "api")


@admin_router.get("/admin/consent", summary="Consent", response_class=HTMLResponse)
def consent_overview(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    _who: AuditorDep,
    days: Annotated[int, Query(ge=1, le=730)] = 30,
    q: Annotated[str, Query(max_length=64)] = "",
    pruned: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    query = q.strip()
    if query and CONSENT_ID.match(query):
        return RedirectResponse(f"/admin/consent/{query}", status_code=303)
    declaration = runtime.loaded.declaration
    config = BannerConfig.from_declaration(declaration)
    by_day = statistics(session, config.category_ids, days=days)
    labels = [day.isoformat()[5:] for day in by_day]
    category_chart = line_chart(
        "Share of visitors allowing each category, per day",
        labels,
        {
            category: [stats.grant_rate(category) for stats in by_day.values()]
            for category in config.category_ids
        },
    )
    action_chart = line_chart(
        "Accept all / reject all / customise, share of decisions per day",
        labels,
        {
            action: [stats.action_rate(action) for stats in by_day.values()]
            for action in ("accept_all", "reject_all", "custom")
        },
    )
    return render(
        request,
        "admin/consent.html",
        {
            "by_day": by_day,
            "days": days,
            "categories": config.category_ids,
            "actions": _ACTIONS,
            "category_chart": category_chart,
            "action_chart": action_chart,
            "query": query,
            "bad_query": bool(query),
            "retention": declaration.consent.ledger_retention,
            "pruned": pruned,
        },
    )


@admin_router.get("/admin/consent/{consent_id}", response_class=HTMLResponse)
def consent_receipt_page(
    consent_id: ConsentIdPath, request: Request, session: SessionDep, runtime: RuntimeDep, _who: AuditorDep
) -> Response:
    data = receipt(session, consent_id, secret=runtime.secret)
    return render(request, "admin/consent_receipt.html", {"receipt": data})


@admin_router.get("/admin/consent/{consent_id}/export")
def consent_receipt_export(
    consent_id: ConsentIdPath, session: SessionDep, runtime: RuntimeDep, who: AuditorDep
) -> Response:
    data = receipt(session, consent_id, secret=runtime.secret)
    audit.record(
        session, secret=runtime.secret, actor=who.name, action="consent.receipt.export", subject=consent_id
    )
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="consent-{consent_id}.json"'},
    )


@admin_router.post("/admin/consent/prune")
def consent_prune(session: SessionDep, runtime: RuntimeDep, who: AdminDep) -> Response:
    retention = runtime.loaded.declaration.consent.ledger_retention
    report = prune(session, retention=retention)
    audit.record(
        session,
        secret=runtime.secret,
        actor=who.name,
        action="consent.prune",
        detail={
            "consent_ids": report.consent_ids,
            "events": report.events,
            "cutoff": report.cutoff.isoformat(),
        },
    )
    return RedirectResponse(f"/admin/consent?pruned={report.events}", status_code=303)
