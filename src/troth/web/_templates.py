"""Server-rendered pages: one Jinja2 environment over every feature's `templates/` folder.

    return render(request, "admin/outbox.html", {"messages": rows})

The loader searches `troth/web/templates/` first, then each feature's own
(`troth/consent/templates/`, `troth/dsr/templates/`, ...). Console pages extend
`admin/base.html` and put `{{ csrf_input() }}` in every form.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.routing import iter_route_contexts
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from troth.web._deps import CSRF_COOKIE, csrf_token, get_runtime

__all__ = ["FEATURE_TEMPLATE_DIRS", "admin_nav", "environment", "render"]

_TROTH = Path(__file__).resolve().parents[1]
#: searched in this order after troth/web/templates
FEATURE_TEMPLATE_DIRS: tuple[str, ...] = ("consent", "dsr", "mail", "registers", "retention")


@cache
def environment() -> Environment:
    folders = [_TROTH / "web" / "templates"]
    folders += [_TROTH / name / "templates" for name in FEATURE_TEMPLATE_DIRS]
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["datetime"] = lambda value: value.strftime("%Y-%m-%d %H:%M UTC") if value else ""
    return env


def admin_nav(request: Request) -> list[tuple[str, str]]:
    """Console navigation: every GET page at `/admin/<name>` whose route has a summary.

    A feature adds its page to the menu by declaring it so, e.g.
    `@admin_router.get("/admin/consent", summary="Consent")`.
    """
    entries: list[tuple[str, str]] = []
    for route in iter_route_contexts(request.app.routes):
        path = route.path or ""
        summary = getattr(route, "summary", None)
        methods = route.methods or set()
        if (
            summary
            and "GET" in methods
            and path.startswith("/admin/")
            and path.count("/") == 2
            and "{" not in path
        ):
            entries.append((summary, path))
    return entries


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render template `name` with the request, the caller and the CSRF helpers in scope."""
    runtime = get_runtime(request)
    settings = runtime.settings
    token = csrf_token(request, settings)

    def csrf_input() -> Markup:
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(token))

    values: dict[str, Any] = {
        "request": request,
        "principal": getattr(request.state, "principal", None),
        "organization": runtime.loaded.declaration.organization,
        "csrf_input": csrf_input,
        "csrf_token": token,
        "admin_nav": lambda: admin_nav(request),
        "path": request.url.path,
    }
    values.update(context or {})
    html = environment().get_template(name).render(values)
    response = HTMLResponse(html, status_code=status)
    seed = getattr(request.state, "csrf_seed", "")
    if seed and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
        )
    return response
