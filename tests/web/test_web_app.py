"""The app: health, one error renderer, reload that never takes the site down, policy pages."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import text

from troth.web._deps import public

MATERIAL_EDIT = (
    "categories: [identity.name, contact.email, content.messages]",
    "categories: [identity.name, contact.email, content.messages, device.ip_address]",
)
LONGER_RETENTION = (
    "    period: 2 years\n    starts: contract_end",
    "    period: 3 years\n    starts: contract_end",
)
EDITORIAL_EDIT = ("Demo Shop sells products online.", "Demo Shop sells useful products online.")
BROKEN_EDIT = ("lawful_basis: contract", "lawful_basis: contrakt")


def _edit(path, *pairs):
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def _reload(client, token):
    return client.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {token}"})


def test_healthz_and_openapi(app_client):
    health = app_client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "policy_version": "1.0", "store": "ok"}
    spec = app_client.get("/openapi.json").json()
    assert "/healthz" in spec["paths"] and "/api/v1/admin/reload" in spec["paths"]
    core_pages = {"/admin", "/admin/login", "/admin/audit", "/admin/outbox", "/admin/tokens", "/admin/users"}
    assert not core_pages & set(spec["paths"])  # console pages are not API


def test_errors_are_json_for_the_api_and_a_page_for_browsers_never_a_traceback(app_client, tokens):
    def boom() -> None:
        raise ZeroDivisionError("secret internals")

    app_client.app.add_api_route("/api/v1/boom", boom, dependencies=[Depends(public)])
    app_client.app.add_api_route("/boom", boom, dependencies=[Depends(public)])
    client = TestClient(app_client.app, raise_server_exceptions=False)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json() == {
        "error": {"code": "internal", "message": "troth met an unexpected error; it has been logged"}
    }
    page = client.get("/boom", headers={"accept": "text/html"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    for body in (api.text, page.text):
        assert "secret internals" not in body and "Traceback" not in body
    runtime = app_client.app.state.runtime
    with runtime.sessions.begin() as session:
        session.execute(text("ALTER TABLE policy_versions RENAME TO gone"))
    down = client.get("/privacy/versions")
    assert down.status_code == 503 and "not answering" in down.text and "SELECT" not in down.text
    assert client.get("/api/v1/policy/versions").json()["error"]["code"] == "store"
    with runtime.sessions.begin() as session:
        session.execute(text("ALTER TABLE gone RENAME TO policy_versions"))
    missing = app_client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert "<h1>Not found</h1>" in app_client.get("/nothing-here").text
    invalid = app_client.get(
        "/api/v1/admin/audit?limit=0", headers={"Authorization": f"Bearer {tokens['auditor']}"}
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_request"
    assert invalid.json()["detail"][0]["loc"] == ["query", "limit"]


def test_reload_refuses_a_broken_declaration_and_keeps_the_old_one_live(
    app_client, tokens, declaration_file, caplog
):
    _edit(declaration_file, BROKEN_EDIT)
    refused = _reload(app_client, tokens["admin"])
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"]["code"] == "invalid_declaration"
    assert any("contrakt" in problem for problem in body["problems"])
    assert app_client.get("/healthz").json()["policy_version"] == "1.0"
    # SIGHUP takes the same path and logs instead of raising
    runtime = app_client.app.state.runtime
    with caplog.at_level(logging.ERROR, logger="troth"):
        runtime.reload_logged()
    assert "NOT reloaded" in caplog.text
    assert app_client.get("/privacy").status_code == 200
    assert _reload(app_client, tokens["agent"]).status_code == 403
    audit = app_client.get(
        "/api/v1/admin/audit?action=declaration.", headers={"Authorization": f"Bearer {tokens['auditor']}"}
    )
    assert [(e["actor"], e["action"]) for e in audit.json()] == [
        ("signal:SIGHUP", "declaration.reload_refused"),
        ("token:t-admin", "declaration.reload_refused"),
    ]


def test_reload_refuses_a_declaration_with_lint_errors(app_client, tokens, declaration_file):
    # loads fine, but `troth check` says: consent tied to the category that is never asked (TROTH107)
    _edit(declaration_file, ("    consent_category: analytics\n", "    consent_category: necessary\n"))
    answer = _reload(app_client, tokens["owner"])
    assert answer.status_code == 422
    assert any("TROTH107" in problem for problem in answer.json()["problems"])
    assert [v["number"] for v in app_client.get("/api/v1/policy/versions").json()] == [1]


def test_each_content_change_publishes_a_classified_version(app_client, tokens, declaration_file):
    assert _reload(app_client, tokens["admin"]).json()["published_version"] is None  # same content
    _edit(declaration_file, EDITORIAL_EDIT)
    assert _reload(app_client, tokens["admin"]).json()["published_version"] == 2
    _edit(declaration_file, MATERIAL_EDIT, LONGER_RETENTION, ('version: "1.0"', 'version: "1.2"'))
    assert _reload(app_client, tokens["admin"]).json()["published_version"] == 3
    versions = app_client.get("/api/v1/policy/versions").json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert versions[1]["material"] is False
    assert [c["summary"] for c in versions[1]["changes"]] == ["policy.summary changed"]
    assert versions[0]["material"] is True
    summaries = " | ".join(c["summary"] for c in versions[0]["changes"] if c["material"])
    assert "now also uses IP address" in summaries
    assert "kept longer: 3 years" in summaries

    listing = app_client.get("/privacy/versions").text
    assert "material" in listing and "editorial" in listing
    diff = app_client.get("/privacy/diff?from=1&to=3")
    assert diff.status_code == 200
    assert "This change is material" in diff.text
    assert "Material: Answering your questions: now also uses IP address" in diff.text
    assert "<ins>" in diff.text and "<del>" in diff.text
    assert app_client.get("/privacy/diff?from=1&to=9").status_code == 404
    assert app_client.get("/privacy/diff?from=2&to=2").status_code == 400
    assert "1.2" in app_client.get("/privacy/versions/3").text


def test_a_future_effective_date_is_announced_then_takes_effect_without_restart(
    app_client, tokens, declaration_file, monkeypatch
):
    today = dt.date.today()
    later = today + dt.timedelta(days=30)
    _edit(
        declaration_file,
        EDITORIAL_EDIT,
        ('version: "1.0"', 'version: "2.0"'),
        ("effective_date: 2026-01-01", f"effective_date: {later.isoformat()}"),
    )
    assert _reload(app_client, tokens["admin"]).json()["published_version"] == 2
    page = app_client.get("/privacy").text
    assert f"This policy changes on {later.isoformat()}" in page
    assert "Version 1.0, effective 2026-01-01" in page
    assert 'href="/privacy/diff?from=1&amp;to=2"' in page

    monkeypatch.setattr("troth.web._routes_public._today", lambda: later)
    page = app_client.get("/privacy").text
    assert "Version 2.0, effective" in page
    assert "This policy changes on" not in page


def test_policy_pages_render_the_declaration(app_client):
    page = app_client.get("/privacy")
    assert page.status_code == 200 and "Demo Shop" in page.text
    assert "Taking and delivering your orders" in page.text
    cookies = app_client.get("/privacy/cookies")
    assert cookies.status_code == 200 and "<table" in cookies.text
    assert app_client.get("/privacy/versions/7").status_code == 404
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/privacy"


def test_replicas_starting_together_publish_one_version(declaration_file, store_url):
    import threading

    from troth.settings import Settings
    from troth.web import Runtime

    settings = Settings.for_declaration(declaration_file, secret_key="r" * 48, database_url=store_url)
    Runtime.start(settings).sessions.kw["bind"].dispose()  # the store exists; versions start at 1
    _edit(declaration_file, EDITORIAL_EDIT)
    runtimes: list[Runtime] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            runtimes.append(Runtime.start(settings))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    from troth.notice._versions import list_versions

    with runtimes[0].sessions() as session:
        assert [v.number for v in list_versions(session)] == [2, 1]
    for runtime in runtimes:
        runtime.sessions.kw["bind"].dispose()
