"""Console pages for access: API tokens (admin) and users (owner)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from troth import audit
from troth._errors import NotFoundError, PermissionDeniedError
from troth.web._accounts import ROLES, create_login_link, create_token, create_user, revoke_token, role_allows
from troth.web._deps import AdminDep, OwnerDep, RowId, RuntimeDep, SessionDep
from troth.web._models import AdminUser, ApiToken
from troth.web._templates import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _tokens_page(request: Request, session: SessionDep, **extra: object) -> HTMLResponse:
    tokens = session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return render(request, "admin/tokens.html", {"tokens": tokens, "roles": ROLES, **extra})


@router.get("/admin/tokens", summary="API tokens")
def tokens(request: Request, session: SessionDep, who: AdminDep) -> HTMLResponse:
    return _tokens_page(request, session)


@router.post("/admin/tokens")
def token_create(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    who: AdminDep,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[str, Form(max_length=20)],
) -> HTMLResponse:
    """Create a token; its value is shown on this page once and never again."""
    if role in ROLES and not role_allows(who.role, role):
        raise PermissionDeniedError(f"an {who.role} cannot create a token with the {role} role")
    row, clear = create_token(session, name=name.strip(), role=role)
    audit.record(
        session,
        secret=runtime.secret,
        actor=who.actor,
        action="token.create",
        detail={"name": row.name, "role": row.role},
    )
    return _tokens_page(request, session, created=row, clear=clear)


@router.post("/admin/tokens/{token}/revoke")
def token_revoke(session: SessionDep, runtime: RuntimeDep, who: AdminDep, token: RowId) -> RedirectResponse:
    row = session.get(ApiToken, token)
    if row is None:
        raise NotFoundError(f"there is no token {token}")
    revoke_token(session, name=row.name)
    audit.record(
        session, secret=runtime.secret, actor=who.actor, action="token.revoke", detail={"name": row.name}
    )
    return RedirectResponse("/admin/tokens", status_code=303)


def _users_page(request: Request, session: SessionDep, **extra: object) -> HTMLResponse:
    users = session.scalars(select(AdminUser).order_by(AdminUser.name)).all()
    return render(request, "admin/users.html", {"users": users, "roles": ROLES, **extra})


@router.get("/admin/users", summary="Users")
def users(request: Request, session: SessionDep, who: OwnerDep) -> HTMLResponse:
    return _users_page(request, session)


@router.post("/admin/users")
def user_create(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    who: OwnerDep,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    """Create a user; without a password, a one-time login link is shown to pass on."""
    user = create_user(session, name=name, role=role, password=password)
    audit.record(
        session,
        secret=runtime.secret,
        actor=who.actor,
        action="user.create",
        detail={"name": user.name, "role": user.role},
    )
    link = "" if password else _link(runtime, create_login_link(session, user))
    return _users_page(request, session, created=user, link=link)


@router.post("/admin/users/{user}/link")
def user_link(
    request: Request, session: SessionDep, runtime: RuntimeDep, who: OwnerDep, user: RowId
) -> HTMLResponse:
    row = session.get(AdminUser, user)
    if row is None:
        raise NotFoundError(f"there is no user {user}")
    link = _link(runtime, create_login_link(session, row))
    audit.record(
        session, secret=runtime.secret, actor=who.actor, action="user.login_link", detail={"name": row.name}
    )
    return _users_page(request, session, created=row, link=link)


@router.post("/admin/users/{user}/active")
def user_active(
    session: SessionDep,
    runtime: RuntimeDep,
    who: OwnerDep,
    user: RowId,
    active: Annotated[bool, Form()],
) -> RedirectResponse:
    row = session.get(AdminUser, user)
    if row is None:
        raise NotFoundError(f"there is no user {user}")
    if row.id == who.id and who.kind == "user" and not active:
        raise PermissionDeniedError("you cannot disable yourself; ask another owner")
    row.active = active
    audit.record(
        session,
        secret=runtime.secret,
        actor=who.actor,
        action="user.enable" if active else "user.disable",
        detail={"name": row.name},
    )
    return RedirectResponse("/admin/users", status_code=303)


def _link(runtime: RuntimeDep, token: str) -> str:
    return f"{runtime.settings.base_url.rstrip('/')}/admin/login/{token}"
