"""Typed dependencies every route uses: the store session, settings, the live declaration, roles.

    @router.get("/admin/things", dependencies=[Depends(public)])     # deliberately open
    def things(session: SessionDep, who: AgentDep) -> ...:           # agent, admin or owner

Credentials are an API token (`Authorization: Bearer troth_...`) or the console's
session cookie. A request that changes state with the session cookie must carry
the CSRF token (form field `csrf_token` or header `X-CSRF-Token`), which
`csrf_input()` puts in every console form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from troth._crypto import constant_time_equal, keyed_hash, new_token
from troth._errors import PermissionDeniedError
from troth.declaration import LoadedDeclaration
from troth.settings import Settings
from troth.web._accounts import ROLES, Principal, principal_for_session, principal_for_token, role_allows
from troth.web._errors import CsrfError, NotAuthenticatedError
from troth.web._runtime import Runtime

__all__ = [
    "CSRF_COOKIE",
    "MAX_ID",
    "SESSION_COOKIE",
    "AdminDep",
    "AgentDep",
    "AuditorDep",
    "DeclarationDep",
    "OwnerDep",
    "Principal",
    "PrincipalDep",
    "RowId",
    "RuntimeDep",
    "SessionDep",
    "SettingsDep",
    "check_csrf",
    "csrf_protect",
    "csrf_token",
    "public",
    "require_role",
]

#: largest id a route accepts: every store's INTEGER holds it (SQLite's and PostgreSQL's alike)
MAX_ID = 2**31 - 1
#: a row id in a path, e.g. `/admin/outbox/{message}`: `message: RowId`
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

SESSION_COOKIE = "troth_session"
CSRF_COOKIE = "troth_csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings(request: Request) -> Settings:
    return get_runtime(request).settings


def get_declaration(request: Request) -> LoadedDeclaration:
    return get_runtime(request).loaded


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    with get_runtime(request).sessions.begin() as session:
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DeclarationDep = Annotated[LoadedDeclaration, Depends(get_declaration)]
# scope="function": the commit happens before the response is sent, so a client
# never sees success for a change that did not reach the database.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def public() -> None:
    """Marks a route as deliberately open to anyone (`dependencies=[Depends(public)]`).

    Async on purpose: a sync dependency would send every public request (banner,
    consent API) through the thread pool for nothing.
    """


def csrf_token(request: Request, settings: Settings) -> str:
    """The CSRF token for this browser, derived from its CSRF cookie (set when first rendered)."""
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", "")
    if not seed:
        seed = new_token(16)
        request.state.csrf_seed = seed
    return keyed_hash(settings.secret_key, seed, purpose="web.csrf")


async def check_csrf(request: Request, settings: Settings) -> None:
    """Refuse a state-changing browser request whose CSRF token is missing or wrong."""
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get("csrf_token")
        sent = field if isinstance(field, str) else ""
    seed = request.cookies.get(CSRF_COOKIE, "")
    expected = keyed_hash(settings.secret_key, seed, purpose="web.csrf") if seed else ""
    if not expected or not sent or not constant_time_equal(sent, expected):
        raise CsrfError("the form has expired or did not come from this site; reload the page and retry")


async def csrf_protect(request: Request) -> None:
    """Route dependency: check the CSRF token even without a session (the login form)."""
    if request.method not in _SAFE_METHODS:
        await check_csrf(request, get_settings(request))


def _lookup_principal(request: Request, session: SessionDep) -> Principal | None:
    """Who the credentials name (a database lookup, so it runs in the thread pool)."""
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthenticatedError("use `Authorization: Bearer <token>`")
        principal = principal_for_token(session, value.strip())
        if principal is None:
            raise NotAuthenticatedError("the API token is unknown or revoked")
        return principal
    if cookie := request.cookies.get(SESSION_COOKIE):
        return principal_for_session(session, cookie)
    return None


async def current_principal(
    request: Request, principal: Annotated[Principal | None, Depends(_lookup_principal)]
) -> Principal | None:
    # A console session rides on a cookie the browser sends by itself: changes need the CSRF token.
    if principal is not None and principal.kind == "user" and request.method not in _SAFE_METHODS:
        await check_csrf(request, get_settings(request))
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal | None, Depends(current_principal)]


def require_role(role: str) -> Callable[..., Principal]:
    """A dependency admitting `role` and every role above it (owner > admin > agent > auditor)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def dependency(principal: PrincipalDep) -> Principal:
        if principal is None:
            raise NotAuthenticatedError("log in, or send an API token")
        if not role_allows(principal.role, role):
            raise PermissionDeniedError(f"this needs the {role} role; {principal.name} is {principal.role}")
        return principal

    dependency.role = role  # type: ignore[attr-defined]  # read by the route-by-role test
    dependency.__name__ = f"require_{role}"
    return dependency


_REQUIRE = {role: require_role(role) for role in ROLES}
OwnerDep = Annotated[Principal, Depends(_REQUIRE["owner"])]
AdminDep = Annotated[Principal, Depends(_REQUIRE["admin"])]
AgentDep = Annotated[Principal, Depends(_REQUIRE["agent"])]
AuditorDep = Annotated[Principal, Depends(_REQUIRE["auditor"])]
