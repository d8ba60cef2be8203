"""Consent in a site's own back end: "may I do X for this visitor?" from FastAPI, Starlette or Django.

The banner keeps the visitor's consent id in the first-party `troth_consent`
cookie, which the site's back end receives with every request. These helpers
read it, forward the visitor's `Sec-GPC` / `DNT` headers, and ask troth's check
API, once per purpose per request:

    app.add_middleware(ConsentMiddleware, troth_url="https://privacy.example.com")
    ...
    if await request.state.consent.allows("analytics"): ...

    # Django settings: MIDDLEWARE += ["troth.consent.DjangoConsentMiddleware"]; TROTH_URL = "https://..."
    if request.consent.allows("analytics"): ...

When troth cannot be reached the answer is "no": without proof of consent,
nothing that needs consent may happen.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from troth._errors import ConfigurationError
from troth.consent._events import CONSENT_ID

if TYPE_CHECKING:  # httpx is imported when a client is made: troth serve itself never needs it
    import httpx

__all__ = [
    "COOKIE_NAME",
    "AsyncVisitorConsent",
    "ConsentMiddleware",
    "DjangoConsentMiddleware",
    "VisitorConsent",
    "consent_id_from_cookie",
]

log = logging.getLogger("troth.consent")

COOKIE_NAME = "troth_consent"
_FORWARDED = ("sec-gpc", "dnt")
_PATH = "/api/v1/consent/check"


def consent_id_from_cookie(value: str | None) -> str | None:
    """The consent id inside the banner's cookie value, or None when absent or malformed."""
    if not value:
        return None
    try:
        data = json.loads(unquote(value))
    except ValueError:
        return None
    consent_id = data.get("id") if isinstance(data, dict) else None
    return consent_id if isinstance(consent_id, str) and CONSENT_ID.match(consent_id) else None


def _signal_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered = {k.lower(): v for k, v in headers.items()}
    return {name: lowered[name] for name in _FORWARDED if name in lowered}


def _params(consent_id: str | None, purpose: str) -> dict[str, str]:
    return {"purpose": purpose} | ({"consent_id": consent_id} if consent_id else {})


def _allowed(response: httpx.Response, purpose: str) -> bool:
    if response.status_code == 404:
        raise ConfigurationError(f"troth does not know the purpose {purpose!r}: {response.text[:200]}")
    if response.status_code != 200:
        log.warning("troth's consent check answered %s for %r: refusing", response.status_code, purpose)
        return False
    return response.json().get("allowed") is True


class VisitorConsent:
    """One visitor's consent, asked of troth synchronously (Django, WSGI, scripts)."""

    def __init__(self, client: httpx.Client, consent_id: str | None, headers: Mapping[str, str]) -> None:
        self.client = client
        self.consent_id = consent_id
        self.headers = _signal_headers(headers)
        self._answers: dict[str, bool] = {}

    def allows(self, purpose: str) -> bool:
        import httpx

        if purpose not in self._answers:
            try:
                response = self.client.get(
                    _PATH, params=_params(self.consent_id, purpose), headers=self.headers
                )
            except httpx.HTTPError as exc:
                log.warning("troth unreachable for the consent check (%s): refusing %r", exc, purpose)
                return False
            self._answers[purpose] = _allowed(response, purpose)
        return self._answers[purpose]


class AsyncVisitorConsent:
    """One visitor's consent, asked of troth without blocking the event loop (FastAPI, Starlette)."""

    def __init__(self, client: httpx.AsyncClient, consent_id: str | None, headers: Mapping[str, str]) -> None:
        self.client = client
        self.consent_id = consent_id
        self.headers = _signal_headers(headers)
        self._answers: dict[str, bool] = {}

    async def allows(self, purpose: str) -> bool:
        import httpx

        if purpose not in self._answers:
            try:
                response = await self.client.get(
                    _PATH, params=_params(self.consent_id, purpose), headers=self.headers
                )
            except httpx.HTTPError as exc:
                log.warning("troth unreachable for the consent check (%s): refusing %r", exc, purpose)
                return False
            self._answers[purpose] = _allowed(response, purpose)
        return self._answers[purpose]


class ConsentMiddleware:
    """ASGI middleware: puts an `AsyncVisitorConsent` at `request.state.consent`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        troth_url: str = "",
        client: httpx.AsyncClient | None = None,
        timeout: float = 2.0,
    ) -> None:
        if client is None and not troth_url:
            raise ConfigurationError("ConsentMiddleware needs troth_url, the base URL of the troth server")
        self.app = app
        if client is None:
            import httpx

            client = httpx.AsyncClient(base_url=troth_url, timeout=timeout)
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("cookie", ""))
            except Exception:  # a malformed Cookie header means no consent, not an error page
                cookie = SimpleCookie()
            morsel = cookie.get(COOKIE_NAME)
            consent_id = consent_id_from_cookie(morsel.value if morsel else None)
            scope.setdefault("state", {})["consent"] = AsyncVisitorConsent(self.client, consent_id, headers)
        await self.app(scope, receive, send)


class DjangoConsentMiddleware:
    """Django middleware: sets `request.consent` (a `VisitorConsent`); needs `TROTH_URL` in settings."""

    def __init__(self, get_response: Callable[[Any], Any], *, client: httpx.Client | None = None) -> None:
        self.get_response = get_response
        if client is None:
            import httpx
            from django.conf import settings  # type: ignore[import-untyped]

            troth_url = getattr(settings, "TROTH_URL", "")
            if not troth_url:
                raise ConfigurationError(
                    "set TROTH_URL in Django's settings to the base URL of the troth server"
                )
            client = httpx.Client(base_url=troth_url, timeout=getattr(settings, "TROTH_TIMEOUT", 2.0))
        self.client = client

    def __call__(self, request: Any) -> Any:
        consent_id = consent_id_from_cookie(request.COOKIES.get(COOKIE_NAME))
        request.consent = VisitorConsent(self.client, consent_id, request.headers)
        return self.get_response(request)
