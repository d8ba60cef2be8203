"""Every route of the app by every role (and no credentials): only the allowed set gets through.

The walk covers the routes of every feature mounted by the app factory. A route
is open only if it carries the `public` dependency; any other route must require
a role, and callers below that role are refused.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Route

from troth.web._accounts import ROLES, role_allows
from troth.web._deps import public

#: FastAPI's own routes: the OpenAPI document is public by design
BUILT_IN_PUBLIC = {"/openapi.json"}


def _requirements(dependant: Any) -> tuple[bool, str | None]:
    """(marked public, the highest role any dependency requires)."""
    is_public = False
    needed: str | None = None
    stack = list(dependant.dependencies)
    while stack:
        dep = stack.pop()
        call = dep.call
        if call is public:
            is_public = True
        role = getattr(call, "role", None)
        if role and (needed is None or ROLES.index(role) < ROLES.index(needed)):
            needed = role
        stack.extend(dep.dependencies)
    return is_public, needed


def _routes(app: Any) -> list[tuple[str, str, bool, str | None]]:
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            is_public, needed = _requirements(route.dependant)
            assert is_public or needed, f"{route.path} is neither public nor requires a role"
            assert not (is_public and needed), f"{route.path} is both public and role-protected"
            for method in sorted(route.methods):
                found.append((method, route.path, is_public, needed))
        else:
            assert isinstance(route.original_route, Route) and route.path in BUILT_IN_PUBLIC, (
                f"{getattr(route, 'path', route)!r} is mounted outside FastAPI's routing, so its access "
                "cannot be checked; use an APIRoute with `public` or a role"
            )
    return found


def _refused_for_role(response: Any) -> bool:
    if response.status_code == 303:
        return response.headers["location"].startswith("/admin/login")
    codes = ("unauthenticated", "forbidden")
    return response.status_code in (401, 403) and any(
        f'"code":"{code}"' in response.text or f"({code})" in response.text for code in codes
    )


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)  # no such thing: refused or not found, never changed


def test_every_route_admits_exactly_the_allowed_roles(app_client, tokens):
    routes = _routes(app_client.app)
    assert len(routes) >= 20
    checked = 0
    for method, path, is_public, needed in routes:
        url = _url(path)
        anonymous = app_client.request(method, url, follow_redirects=False)
        assert anonymous.status_code < 500, (method, path, anonymous.text[:300])
        if is_public:
            # a public route may refuse bad input (a used login link, a missing CSRF token),
            # never for want of credentials or a role
            assert not _refused_for_role(anonymous), (method, path, anonymous.text[:300])
            continue
        assert needed is not None
        if anonymous.status_code == 303:
            assert anonymous.headers["location"].startswith("/admin/login"), (method, path)
        else:
            assert anonymous.status_code == 401, (method, path, anonymous.status_code)
        for role, token in tokens.items():
            answer = app_client.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
            )
            assert answer.status_code < 500, (method, path, role, answer.text[:300])
            if role_allows(role, needed):
                assert answer.status_code not in (401, 403), (method, path, role, answer.text[:300])
            else:
                assert answer.status_code == 403, (method, path, role, answer.status_code)
            checked += 1
    assert checked >= len(ROLES) * 10


def test_the_console_pages_need_the_documented_roles(app_client):
    needed = {path: role for _, path, _, role in _routes(app_client.app)}
    assert needed["/admin"] == "auditor"
    assert needed["/admin/audit"] == "auditor"
    assert needed["/admin/outbox"] == "agent"
    assert needed["/admin/tokens"] == "admin"
    assert needed["/admin/users"] == "owner"
    assert needed["/api/v1/admin/reload"] == "admin"


def test_bad_credentials_are_refused_not_ignored(app_client, tokens):
    for header in ("Bearer nope", "Basic dXNlcjpwYXNz", "Bearer "):
        answer = app_client.get("/api/v1/admin/whoami", headers={"Authorization": header})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
    assert app_client.get("/api/v1/admin/whoami", cookies={"troth_session": "forged"}).status_code == 401
