"""Consent over HTTP: the banner assets, the public consent API, GPC, the demo shop.

Routes only parse, call the consent services and present. Every consent
endpoint honours `Sec-GPC: 1` (and `DNT: 1` where the declaration says so);
the public API answers CORS requests from the site's own origin.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from troth._errors import NotFoundError
from troth.consent._admin import admin_router
from troth.consent._assets import BannerAssets, build_assets
from troth.consent._banner import BannerConfig
from troth.consent._check import decide
from troth.consent._demo import DEMO_CSP, PIXEL_GIF, DemoShop
from troth.consent._events import CONSENT_ID, ConsentSubmission
from troth.consent._ledger import consent_state
from troth.consent._receipt import receipt
from troth.consent._recording import commit, prepare
from troth.consent._signals import RequestSignals, gpc_document
from troth.declaration import Declaration
from troth.web._deps import SessionDep, public
from troth.web._errors import api_error_responses
from troth.web._runtime import Runtime
from troth.web._templates import environment

__all__ = ["admin_router", "router"]

ConsentIdPath = Annotated[str, Path(pattern=CONSENT_ID.pattern, description="the visitor's consent id")]

router = APIRouter(dependencies=[Depends(public)], tags=["consent"])


@dataclass(frozen=True)
class _Site:
    declaration: Declaration
    config: BannerConfig
    assets: BannerAssets
    demo: DemoShop
    demo_assets: BannerAssets


_current: list[_Site] = []
_lock = threading.Lock()


def site(runtime: Runtime) -> _Site:
    """The banner built from the live declaration, rebuilt only when the declaration changes."""
    declaration = runtime.loaded.declaration
    with _lock:
        if _current and _current[0].declaration is declaration:
            return _current[0]
        config = BannerConfig.from_declaration(declaration)
        demo = DemoShop(declaration, config)
        built = _Site(
            declaration,
            config,
            build_assets(config),
            demo,
            build_assets(config, service_src=demo.local_sources),
        )
        _current[:] = [built]
        return built


# The hot path (banner assets, consent API) resolves its dependencies without a
# thread hop: these are async, and so run on the event loop.
async def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


LiveRuntime = Annotated[Runtime, Depends(_runtime)]


async def _site(runtime: LiveRuntime) -> _Site:
    return site(runtime)


CurrentSite = Annotated[_Site, Depends(_site)]


def _signal(request: Request, current: _Site) -> str:
    return RequestSignals.from_headers(request.headers).opts_out(current.config)


async def cors(request: Request, response: Response, current: CurrentSite) -> None:
    """Let the site's own pages call the consent API from the browser."""
    origin = request.headers.get("origin", "")
    if origin and origin == current.config.site_origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"


_CORS = [Depends(cors)]
_ASSET_CACHE = "public, max-age=300"


def _asset(request: Request, body: str, etag: str, media_type: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": _ASSET_CACHE}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/troth.js", summary="The consent banner script", response_class=Response)
async def banner_script(request: Request, current: CurrentSite) -> Response:
    return _asset(request, current.assets.script, current.assets.script_etag, "text/javascript")


@router.get("/troth.css", summary="The consent banner stylesheet", response_class=Response)
async def banner_stylesheet(request: Request, current: CurrentSite) -> Response:
    return _asset(request, current.assets.stylesheet, current.assets.stylesheet_etag, "text/css")


@router.get("/.well-known/gpc.json", summary="Global Privacy Control support")
async def gpc_json(runtime: LiveRuntime) -> dict[str, object]:
    return gpc_document(runtime.loaded.declaration)


class ConsentRecorded(BaseModel):
    consent_id: str
    seq: int
    hash: str
    recorded_at: str
    expires_at: str
    categories: dict[str, bool]
    services: dict[str, bool]
    signal: str


@router.options("/api/v1/consent", include_in_schema=False)
@router.options("/api/v1/consent/{rest:path}", include_in_schema=False)
async def preflight(request: Request, current: CurrentSite) -> Response:
    response = Response(status_code=204)
    if request.headers.get("origin", "") == current.config.site_origin:
        response.headers.update(
            {
                "Access-Control-Allow-Origin": current.config.site_origin,
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Content-Type, Sec-GPC",
                "Access-Control-Max-Age": "86400",
                "Vary": "Origin",
            }
        )
    return response


@router.post(
    "/api/v1/consent",
    status_code=201,
    summary="Record a consent decision",
    dependencies=_CORS,
    responses=api_error_responses(422),
)
async def record_consent(
    submission: ConsentSubmission, request: Request, runtime: LiveRuntime, current: CurrentSite
) -> ConsentRecorded:
    headers = {name: request.headers[name] for name in request.headers}
    host = request.client.host if request.client else ""
    event = prepare(runtime, current.config, submission, client_host=host, headers=headers)
    return ConsentRecorded(**await commit(runtime, current.config, event))


class DecisionOut(BaseModel):
    purpose: str
    category: str
    allowed: bool
    reason: str


@router.get(
    "/api/v1/consent/check",
    summary="May the site do this for this visitor?",
    dependencies=_CORS,
    responses=api_error_responses(404, 422),
)
def check_consent(
    request: Request,
    session: SessionDep,
    runtime: LiveRuntime,
    current: CurrentSite,
    purpose: Annotated[str, Query(max_length=100, description="a category, service or purpose id")],
    consent_id: Annotated[str | None, Query(pattern=CONSENT_ID.pattern)] = None,
) -> DecisionOut:
    decision = decide(
        session,
        runtime.loaded.declaration,
        current.config,
        consent_id=consent_id,
        purpose=purpose,
        signal=_signal(request, current),
    )
    return DecisionOut(**decision.as_json())


class ConsentStateOut(BaseModel):
    consent_id: str
    categories: dict[str, bool]
    services: dict[str, bool]
    last_action: str
    policy_version: str
    updated_at: str
    expires_at: str
    gpc: bool
    dnt: bool
    events: int
    #: the opt-out signal this request carries, applied to the categories above
    signal: str


@router.get(
    "/api/v1/consent/{consent_id}",
    summary="A visitor's current consent",
    dependencies=_CORS,
    responses=api_error_responses(404),
)
def get_consent(
    consent_id: ConsentIdPath, request: Request, session: SessionDep, current: CurrentSite
) -> ConsentStateOut:
    data: dict[str, Any] = consent_state(session, consent_id).as_json()
    signal = _signal(request, current)
    if signal:
        for category in current.config.opt_out_categories():
            data["categories"][category] = False
    return ConsentStateOut(**data, signal=signal)


@router.post(
    "/api/v1/consent/{consent_id}/withdraw",
    status_code=201,
    summary="Withdraw every consent in one call",
    dependencies=_CORS,
    responses=api_error_responses(404, 422),
)
async def withdraw_consent(
    consent_id: ConsentIdPath, request: Request, runtime: LiveRuntime, current: CurrentSite
) -> ConsentRecorded:
    def known() -> None:
        with runtime.sessions() as session:
            consent_state(session, consent_id)

    await run_in_threadpool(known)
    submission = ConsentSubmission(consent_id=consent_id, action="withdraw")
    return await record_consent(submission, request, runtime, current)


@router.get(
    "/api/v1/consent/{consent_id}/receipt",
    summary="Receipt of every recorded choice (JSON, or HTML for browsers)",
    dependencies=_CORS,
    responses={
        **api_error_responses(404),
        200: {"content": {"application/json": {}, "text/html": {}}, "description": "the receipt"},
    },
    response_class=Response,
)
def get_receipt(
    consent_id: ConsentIdPath,
    request: Request,
    session: SessionDep,
    runtime: LiveRuntime,
    format: Annotated[str, Query(pattern="^(json|html)?$")] = "",
) -> Response:
    data = receipt(session, consent_id, secret=runtime.secret)
    html = format == "html" or (not format and "text/html" in request.headers.get("accept", ""))
    if not html:
        return JSONResponse(data)
    page = environment().get_template("consent/receipt.html")
    return HTMLResponse(page.render(receipt=data, organization=runtime.loaded.declaration.organization))


# ---------------------------------------------------------------- demo shop


def _demo_headers() -> dict[str, str]:
    return {"Content-Security-Policy": DEMO_CSP, "Cache-Control": "no-store"}


@router.get("/demo/", summary="The demo shop", response_class=HTMLResponse, include_in_schema=False)
async def demo_page(
    current: CurrentSite, lang: Annotated[str, Query(max_length=16, pattern=r"^[A-Za-z-]*$")] = ""
) -> HTMLResponse:
    page = environment().get_template("consent/demo.html")
    language = current.config.language_for(lang) if lang else current.config.languages[0]
    return HTMLResponse(page.render(shop=current.demo, language=language), headers=_demo_headers())


@router.get("/demo/troth.js", include_in_schema=False)
async def demo_banner(current: CurrentSite) -> Response:
    return Response(current.demo_assets.script, media_type="text/javascript", headers=_demo_headers())


@router.get("/demo/shop.js", include_in_schema=False)
async def demo_site_script(current: CurrentSite) -> Response:
    return Response(current.demo.site_script(), media_type="text/javascript", headers=_demo_headers())


@router.get("/demo/shop.css", include_in_schema=False)
async def demo_stylesheet() -> Response:
    return Response(DemoShop.stylesheet(), media_type="text/css", headers=_demo_headers())


@router.get("/demo/vendor/{name}", include_in_schema=False)
async def demo_vendor(name: str, current: CurrentSite) -> Response:
    service_id, _, suffix = name.rpartition(".")
    service = current.demo.service(service_id)
    if service is None or current.demo.local_sources[service_id] != f"/demo/vendor/{name}":
        raise NotFoundError(f"the demo has no stand-in named {name!r}")
    if suffix == "js":
        return Response(
            current.demo.stand_in_script(service), media_type="text/javascript", headers=_demo_headers()
        )
    if suffix == "html":
        return HTMLResponse(current.demo.embed_page(service), headers=_demo_headers())
    return Response(PIXEL_GIF, media_type="image/gif", headers=_demo_headers())
