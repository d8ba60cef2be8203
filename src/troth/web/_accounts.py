"""Admin accounts: users with argon2 passwords, hashed API tokens, browser sessions, login links.

Plain functions over an explicit session; routes and CLI commands call them.
Failed logins are counted per (name, address) and per address in the store, so
the limit holds across replicas and restarts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from troth._crypto import keyed_hash, new_token, token_hash
from troth._errors import ConflictError, NotFoundError, RateLimitedError, TrothError
from troth.store._types import utcnow
from troth.web._models import AdminSession, AdminUser, ApiToken, LoginFailure, LoginLink

if TYPE_CHECKING:
    from argon2 import PasswordHasher
    from sqlalchemy.orm import Session

    from troth.settings import Settings

__all__ = [
    "ROLES",
    "InvalidRoleError",
    "Principal",
    "authenticate_password",
    "create_login_link",
    "create_token",
    "create_user",
    "end_session",
    "principal_for_session",
    "principal_for_token",
    "revoke_token",
    "role_allows",
    "start_session",
    "use_login_link",
]

#: highest first: each role may do everything the roles after it may
ROLES: tuple[str, ...] = ("owner", "admin", "agent", "auditor")
_MIN_PASSWORD = 12
_LINK_TTL = dt.timedelta(minutes=15)


class InvalidRoleError(TrothError):
    status_code = 400
    code = "invalid_role"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a console user or an API token, with its role."""

    name: str
    role: str
    kind: str = "user"  # "user" | "token"
    id: int = 0

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"{self.kind}:{self.name}"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidRoleError(f"unknown role `{role}`; roles are {', '.join(ROLES)}")
    return role


def role_allows(held: str, needed: str) -> bool:
    return ROLES.index(check_role(held)) <= ROLES.index(check_role(needed))


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


# ------------------------------------------------------------------ users


def create_user(session: Session, *, name: str, role: str, password: str = "") -> AdminUser:
    """A console user; without a password they can log in only through a one-time link."""
    check_role(role)
    name = name.strip()
    if not name:
        raise InvalidRoleError("a user needs a name")
    if password and len(password) < _MIN_PASSWORD:
        raise ConflictError(f"the password is too short: use at least {_MIN_PASSWORD} characters")
    if session.scalar(select(AdminUser.id).where(AdminUser.name == name)) is not None:
        raise ConflictError(f"a user named `{name}` exists already")
    user = AdminUser(name=name, role=role, password_hash=_hasher().hash(password) if password else "")
    session.add(user)
    session.flush()
    return user


def authenticate_password(
    session: Session, settings: Settings, *, name: str, password: str, address: str
) -> AdminUser | None:
    """The user if `password` is theirs; counts failures and refuses once over the limit."""
    from argon2.exceptions import InvalidHashError, VerificationError

    keys = [
        keyed_hash(settings.secret_key, f"{name.strip().lower()}|{address}", purpose="web.login"),
        keyed_hash(settings.secret_key, f"|{address}", purpose="web.login"),
    ]
    since = utcnow() - dt.timedelta(seconds=settings.login_window_seconds)
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    counts = [
        session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key)) or 0
        for key in keys
    ]
    # per name+address: the configured limit; per address alone: room for a few mistyped names
    if counts[0] >= settings.login_attempts or counts[1] >= settings.login_attempts * 4:
        raise RateLimitedError(
            "too many failed logins; try again later", retry_after=settings.login_window_seconds
        )
    user = session.scalars(select(AdminUser).where(AdminUser.name == name.strip())).first()
    ok = False
    if user is not None and user.active and user.password_hash:
        try:
            ok = _hasher().verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # Spend the same time as a real check so timing does not reveal which names exist.
        _hasher().hash(password or "-")
    if not ok or user is None:
        session.add_all([LoginFailure(key=key, at=utcnow()) for key in keys])
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


# ------------------------------------------------------------------ browser sessions


def start_session(session: Session, settings: Settings, user: AdminUser) -> str:
    """A new browser session for `user`; returns the cookie value."""
    token = new_token()
    now = utcnow()
    session.add(
        AdminSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.session_hours),
        )
    )
    user.last_login_at = now
    return token


def principal_for_session(session: Session, token: str) -> Principal | None:
    row = session.execute(
        select(AdminUser, AdminSession.expires_at)
        .join(AdminSession, AdminSession.user_id == AdminUser.id)
        .where(AdminSession.token_hash == token_hash(token))
    ).first()
    if row is None or row[1] <= utcnow() or not row[0].active:
        return None
    user = row[0]
    return Principal(name=user.name, role=user.role, kind="user", id=user.id)


def end_session(session: Session, token: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash(token)))


def create_login_link(session: Session, user: AdminUser, *, ttl: dt.timedelta = _LINK_TTL) -> str:
    """A one-time token that logs `user` in once, within `ttl`."""
    token = new_token()
    session.add(LoginLink(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + ttl))
    session.flush()
    return token


def use_login_link(session: Session, token: str) -> AdminUser | None:
    link = session.scalars(select(LoginLink).where(LoginLink.token_hash == token_hash(token))).first()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    link.used_at = utcnow()
    user = session.get(AdminUser, link.user_id)
    return user if user is not None and user.active else None


# ------------------------------------------------------------------ API tokens


def create_token(session: Session, *, name: str, role: str) -> tuple[ApiToken, str]:
    """A new API token; the clear token is returned once and never stored."""
    check_role(role)
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise ConflictError(f"a token named `{name}` exists already; revoke it or pick another name")
    clear = "troth_" + new_token()
    row = ApiToken(name=name, role=role, token_hash=token_hash(clear))
    session.add(row)
    session.flush()
    return row, clear


def principal_for_token(session: Session, clear: str) -> Principal | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(clear))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    # Writing on every call would serialise API traffic on SQLite; a minute's precision is enough.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        row.last_used_at = now
    return Principal(name=row.name, role=row.role, kind="token", id=row.id)


def revoke_token(session: Session, *, name: str) -> ApiToken:
    row = session.scalars(select(ApiToken).where(ApiToken.name == name)).first()
    if row is None:
        raise NotFoundError(f"there is no token named `{name}`")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
