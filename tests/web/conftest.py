"""Fixtures for the web tests: a token per role, and a logged-in console browser session."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from troth.web._accounts import ROLES, create_token, create_user

PASSWORD = "correct horse battery staple"


@pytest.fixture
def runtime(app_client: Any) -> Any:
    return app_client.app.state.runtime


@pytest.fixture
def tokens(runtime: Any) -> dict[str, str]:
    """role → bearer token."""
    with runtime.sessions.begin() as session:
        return {role: create_token(session, name=f"t-{role}", role=role)[1] for role in ROLES}


@pytest.fixture
def users(runtime: Any) -> dict[str, str]:
    """role → user name, each with PASSWORD."""
    with runtime.sessions.begin() as session:
        for role in ROLES:
            create_user(session, name=f"{role}-user", role=role, password=PASSWORD)
    return {role: f"{role}-user" for role in ROLES}


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _log_in(client: Any, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"name": name, "password": password, "csrf_token": _csrf_of(page.text), "next": "/admin"},
        follow_redirects=False,
    )


@pytest.fixture
def csrf_of() -> Callable[[str], str]:
    """The CSRF token in a rendered console page."""
    return _csrf_of


@pytest.fixture
def log_in() -> Callable[..., Any]:
    """log_in(client, name, password=PASSWORD): posts the login form as a browser would."""
    return _log_in
