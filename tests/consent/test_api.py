"""The public consent API: record, read, check, withdraw, receipt; GPC on every endpoint; CORS."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from troth.consent._banner import BannerConfig

GPC = {"Sec-GPC": "1"}


def record(client: TestClient, headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/consent", json={"action": "custom", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_record_read_check_withdraw_and_receipt(client: TestClient, config: BannerConfig) -> None:
    made = record(
        client,
        action="accept_all",
        categories=dict.fromkeys(config.category_ids, True),
        language="fr",
        texts_hash=config.hashes["fr"],
        page_url="http://127.0.0.1/shop?coupon=SECRET",
        user_id="customer-42",
    )
    consent_id = made["consent_id"]
    state = client.get(f"/api/v1/consent/{consent_id}").json()
    assert state["categories"]["analytics"] is True and state["last_action"] == "accept_all"
    check = client.get(
        "/api/v1/consent/check", params={"consent_id": consent_id, "purpose": "statistics"}
    ).json()
    assert check == {"purpose": "statistics", "category": "analytics", "allowed": True, "reason": "granted"}

    withdrawn = client.post(f"/api/v1/consent/{consent_id}/withdraw")
    assert withdrawn.status_code == 201 and withdrawn.json()["seq"] == 2
    check = client.get("/api/v1/consent/check", params={"consent_id": consent_id, "purpose": "video"}).json()
    assert check["allowed"] is False and check["reason"] == "denied"

    receipt = client.get(f"/api/v1/consent/{consent_id}/receipt").json()
    assert receipt["chain_ok"] and [e["action"] for e in receipt["events"]] == ["accept_all", "withdraw"]
    first = receipt["events"][0]
    assert first["page_url"] == "http://127.0.0.1/shop" and first["language"] == "fr"
    assert first["ip"] == "" and first["user_agent"] == "other"  # the test client has no IP, no known browser
    assert receipt["texts"][config.hashes["fr"]]["title"] == "Les cookies de Demo Shop"
    html = client.get(f"/api/v1/consent/{consent_id}/receipt", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "Les cookies de Demo Shop" in html.text
    assert "customer-42" not in html.text


def test_sec_gpc_is_honoured_on_every_endpoint(client: TestClient, config: BannerConfig) -> None:
    made = record(
        client, action="accept_all", categories=dict.fromkeys(config.category_ids, True), headers=GPC
    )
    assert made["categories"]["advertising"] is False and made["signal"] == "gpc"
    consent_id = made["consent_id"]
    later = record(client, consent_id=consent_id, categories={"advertising": True})
    assert later["categories"]["advertising"] is True  # no signal now: an explicit choice counts
    assert (
        client.get(f"/api/v1/consent/{consent_id}", headers=GPC).json()["categories"]["advertising"] is False
    )
    check = client.get(
        "/api/v1/consent/check", params={"consent_id": consent_id, "purpose": "ads"}, headers=GPC
    )
    assert check.json()["reason"] == "gpc"
    assert client.get("/api/v1/consent/check", params={"consent_id": consent_id, "purpose": "ads"}).json()[
        "allowed"
    ]
    assert client.get("/.well-known/gpc.json").json() == {"gpc": True, "lastUpdate": "2026-01-01"}


def test_check_without_consent_and_for_non_consent_purposes(client: TestClient) -> None:
    def ask(purpose: str, consent_id: str | None = None) -> dict[str, Any]:
        params = {"purpose": purpose} | ({"consent_id": consent_id} if consent_id else {})
        return dict(client.get("/api/v1/consent/check", params=params).json())

    assert ask("analytics")["reason"] == "no_consent"
    assert ask("analytics", "unknown-visitor-00000")["reason"] == "no_consent"
    assert ask("orders") == {
        "purpose": "orders",
        "category": "",
        "allowed": True,
        "reason": "lawful_basis:contract",
    }
    assert ask("necessary")["allowed"] is True
    missing = client.get("/api/v1/consent/check", params={"purpose": "mind-reading"})
    assert missing.status_code == 404 and "statistics" in missing.json()["error"]["message"]


def test_bad_input_gets_a_clear_error(client: TestClient) -> None:
    unknown = client.post("/api/v1/consent", json={"action": "custom", "categories": {"marketing": True}})
    assert unknown.status_code == 422 and "analytics" in unknown.json()["error"]["message"]
    forged = client.post("/api/v1/consent", json={"action": "custom", "texts_hash": "a" * 64})
    assert forged.status_code == 422 and "reload the page" in forged.json()["error"]["message"]
    assert client.post("/api/v1/consent", json={"action": "bribe"}).status_code == 422
    assert client.get("/api/v1/consent/nobody-here-00000000").status_code == 404
    assert client.post("/api/v1/consent/nobody-here-00000000/withdraw").status_code == 404
    assert client.get("/api/v1/consent/nobody-here-00000000/receipt").status_code == 404
    assert client.get("/api/v1/consent/bad%00id-0000000000000").status_code == 422
    assert (
        client.get(
            "/api/v1/consent/check", params={"purpose": "analytics", "consent_id": "x\x00"}
        ).status_code
        == 422
    )
    lone_surrogate = b'{"action": "custom", "page_url": "https://shop.example/\\ud800"}'
    posted = client.post(
        "/api/v1/consent", content=lone_surrogate, headers={"Content-Type": "application/json"}
    )
    assert posted.status_code == 422
    odd = client.post(
        "/api/v1/consent",
        json={"action": "custom", "page_url": "http://[::1/x?y"},
        headers={"User-Agent": "Chrome/" + "9" * 300},
    )
    assert odd.status_code == 201


def test_cors_only_for_the_sites_own_origin(client: TestClient) -> None:
    site = {"Origin": "http://127.0.0.1"}
    preflight = client.options("/api/v1/consent", headers=site | {"Access-Control-Request-Method": "POST"})
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1"
    posted = client.post("/api/v1/consent", json={"action": "reject_all"}, headers=site)
    assert posted.headers["access-control-allow-origin"] == "http://127.0.0.1"
    other = client.post(
        "/api/v1/consent", json={"action": "reject_all"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    assert (
        "access-control-allow-origin"
        not in client.options("/api/v1/consent", headers={"Origin": "https://evil.example"}).headers
    )


def test_the_fast_path_and_the_route_answer_alike(client: TestClient) -> None:
    """`application/json` is answered by the ASGI fast path; other JSON types reach the FastAPI route."""
    site = {"Origin": "http://127.0.0.1", "Sec-GPC": "1"}
    decision = {"action": "accept_all", "categories": {"analytics": True, "advertising": True}}
    fast = client.post("/api/v1/consent", json=decision, headers=site)
    routed = client.post(
        "/api/v1/consent",
        content=json.dumps(decision | {"consent_id": fast.json()["consent_id"]}),
        headers=site | {"Content-Type": "application/merge-patch+json"},
    )
    assert fast.status_code == routed.status_code == 201
    first, second = fast.json(), routed.json()
    assert first.keys() == second.keys() and (first["seq"], second["seq"]) == (1, 2)
    assert first["categories"] == second["categories"] == {"analytics": True, "advertising": False}
    assert first["signal"] == second["signal"] == "gpc"
    for response in (fast, routed):
        assert response.headers["access-control-allow-origin"] == "http://127.0.0.1"
        assert response.headers["x-content-type-options"] == "nosniff"
    refused = client.post("/api/v1/consent", json=decision | {"consent_id": "short"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_request"
