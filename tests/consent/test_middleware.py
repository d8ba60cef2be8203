"""A site's back end asks troth "may I?" through the ASGI and Django middleware."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from troth._errors import ConfigurationError
from troth.consent import ConsentMiddleware, DjangoConsentMiddleware, VisitorConsent, consent_id_from_cookie


def banner_cookie(consent_id: str) -> str:
    return quote(json.dumps({"id": consent_id, "t": 1, "c": {"analytics": 1}, "s": {}, "f": {}}))


def consent_for(client: TestClient, categories: dict[str, bool]) -> str:
    made = client.post("/api/v1/consent", json={"action": "custom", "categories": categories})
    return str(made.json()["consent_id"])


def test_asgi_middleware_answers_from_troth(client: TestClient) -> None:
    consent_id = consent_for(client, {"analytics": True, "advertising": True})
    troth = httpx.AsyncClient(transport=httpx.ASGITransport(app=client.app), base_url="http://troth")
    site = FastAPI()
    site.add_middleware(ConsentMiddleware, client=troth)

    @site.get("/may/{purpose}")
    async def may(purpose: str, request: Request) -> dict[str, bool]:
        return {"allowed": await request.state.consent.allows(purpose)}

    with TestClient(site) as browser:
        browser.cookies.set("troth_consent", banner_cookie(consent_id))
        assert browser.get("/may/analytics").json() == {"allowed": True}
        assert browser.get("/may/ads").json() == {"allowed": True}
        assert browser.get("/may/ads", headers={"Sec-GPC": "1"}).json() == {"allowed": False}
        assert browser.get("/may/social").json() == {"allowed": False}
        browser.cookies.clear()
        assert browser.get("/may/analytics").json() == {"allowed": False}
        browser.cookies.set("troth_consent", "not-json")
        assert browser.get("/may/orders").json() == {"allowed": True}  # contract: no consent needed


def test_django_middleware_answers_from_troth(client: TestClient) -> None:
    django = pytest.importorskip("django")
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], SECRET_KEY="django-test", USE_TZ=True)
        django.setup()
    from django.http import HttpResponse
    from django.test import RequestFactory

    consent_id = consent_for(client, {"analytics": True, "social": False})
    seen: dict[str, bool] = {}

    def view(request: object) -> HttpResponse:
        consent: VisitorConsent = request.consent  # type: ignore[attr-defined]
        seen.update({p: consent.allows(p) for p in ("analytics", "social", "ads")})
        return HttpResponse("ok")

    middleware = DjangoConsentMiddleware(view, client=client)
    request = RequestFactory().get(
        "/", HTTP_COOKIE=f"troth_consent={banner_cookie(consent_id)}", HTTP_SEC_GPC="1"
    )
    assert middleware(request).status_code == 200
    assert seen == {"analytics": True, "social": False, "ads": False}
    with pytest.raises(ConfigurationError, match="TROTH_URL"):
        DjangoConsentMiddleware(view)


def test_unreachable_troth_means_no(client: TestClient) -> None:
    dead = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)
    assert VisitorConsent(dead, "x" * 20, {}).allows("analytics") is False
    with pytest.raises(ConfigurationError, match="purpose"):
        VisitorConsent(client, None, {}).allows("telepathy")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("%7B", None),
        (quote('{"id": "short"}'), None),
        (quote('{"id": "' + "a" * 32 + '"}'), "a" * 32),
    ],
)
def test_cookie_parsing(value: str | None, expected: str | None) -> None:
    assert consent_id_from_cookie(value) == expected
