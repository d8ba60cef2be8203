"""The app factory: core routers, every feature's routers, error handlers, background work."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from troth import __version__
from troth.web._errors import install_error_handlers
from troth.web._runtime import Runtime

__all__ = ["FEATURE_ROUTERS", "SecurityHeaders", "create_app", "feature_routers"]

log = logging.getLogger("troth")

#: routers of later features, as "module:attribute"; mounted when the module exists
FEATURE_ROUTERS: list[str] = [
    "troth.consent._routes:router",
    "troth.consent._routes:admin_router",
    "troth.dsr._routes:router",
    "troth.dsr._routes:admin_router",
    "troth.dsr._center_routes:router",
    "troth.dsr._center_routes:admin_router",
]

#: pure ASGI fast paths for a feature's busiest public endpoint, as "module:attribute"; the
#: feature's router still serves (and documents) the route for whatever the fast path hands on
FEATURE_MIDDLEWARE: list[str] = ["troth.consent._ingest:ConsentIngest"]

_CORE_ROUTERS = (
    "troth.web._routes_public:router",
    "troth.web._routes_api:router",
    "troth.web._routes_admin:router",
    "troth.web._routes_access:router",
)


def _import_attribute(spec: str, *, optional: bool) -> Any:
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only "this feature is not part of the build" is skipped; a broken import inside it is not.
        if optional and exc.name is not None and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, attribute)


def _import_router(spec: str, *, optional: bool) -> APIRouter | None:
    router = _import_attribute(spec, optional=optional)
    if router is None:
        return None
    if not isinstance(router, APIRouter):
        raise TypeError(f"{spec} is not a FastAPI APIRouter")
    return router


def feature_routers() -> list[APIRouter]:
    found = (_import_router(spec, optional=True) for spec in FEATURE_ROUTERS)
    return [router for router in found if router is not None]


class SecurityHeaders:
    """Headers every response carries; console pages may not be framed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admin = scope["path"].startswith("/admin")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                if admin:
                    headers.append((b"x-frame-options", b"DENY"))
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _lifespan(runtime: Runtime, background: bool) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not background:
            yield
            return
        from troth.mail import OutboxSender

        loop = asyncio.get_running_loop()
        # Signals reach only the main thread: an app served from another thread (tests) has no SIGHUP,
        # and event loops without signal support (Windows) raise NotImplementedError: reload then
        # stays available through POST /api/v1/admin/reload.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, runtime.reload_logged))
        sender = OutboxSender(runtime.sessions, runtime.settings)
        sender.start()
        try:
            yield
        finally:
            sender.stop()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)

    return lifespan


def create_app(runtime: Runtime, *, background: bool = False) -> FastAPI:
    """The ASGI app over `runtime`; `background=True` also runs the mail sender and SIGHUP reload."""
    app = FastAPI(
        title="troth",
        version=__version__,
        description="Privacy policy as code: the policy pages, consent and request APIs, and admin.",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(runtime, background),
        # troth exports no OpenTelemetry data: skip FastAPI's provider checks on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for spec in _CORE_ROUTERS:
        router = _import_router(spec, optional=False)
        assert router is not None
        app.include_router(router)
    for router in feature_routers():
        app.include_router(router)
    for spec in FEATURE_MIDDLEWARE:
        middleware = _import_attribute(spec, optional=True)
        if middleware is not None:
            app.add_middleware(middleware)
    app.add_middleware(SecurityHeaders)
    return app
