"""Consent statistics, search, receipt export and retention pruning: services and console pages."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from troth.consent import (
    ConsentEvent,
    ConsentSubmission,
    Visit,
    prepare_event,
    prune,
    statistics,
    verify_chain,
)
from troth.consent._banner import BannerConfig
from troth.consent._stats import DayStats, line_chart
from troth.consent._writer import record_events
from troth.declaration import Duration
from troth.web._accounts import create_token

SECRET = "consent-tests-secret-key-0123456789"
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def seed(
    ledger: sessionmaker[Session], config: BannerConfig, when: dt.datetime, action: str, granted: bool, n: int
) -> None:
    events = [
        prepare_event(
            config,
            ConsentSubmission(action=action, categories={"analytics": granted, "advertising": False}),  # type: ignore[arg-type]
            Visit("203.0.113.0", "x", "gdpr", now=when),
            secret=SECRET,
        )
        for _ in range(n)
    ]
    record_events(ledger, events, secret=SECRET)


def counts(by_day: dict[dt.date, DayStats]) -> dict[dt.date, tuple[int, dict[str, int], dict[str, int]]]:
    def nonzero(values: dict[str, int]) -> dict[str, int]:
        return {k: v for k, v in values.items() if v}

    return {d: (s.events, nonzero(s.granted), nonzero(s.denied)) for d, s in by_day.items()}


def test_statistics_per_day_and_pruning_keeps_the_counts(
    ledger: sessionmaker[Session], config: BannerConfig
) -> None:
    old, recent = NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1)
    seed(ledger, config, old, "accept_all", True, 3)
    seed(ledger, config, old, "reject_all", False, 1)
    seed(ledger, config, recent, "custom", False, 2)
    cats = config.category_ids
    with ledger() as session:
        before = statistics(session, cats, days=30, now=NOW)
    day = before[old.date()]
    assert day.events == 4 and day.actions["accept_all"] == 3 and day.grant_rate("analytics") == 0.75
    assert (
        before[recent.date()].denied["analytics"] == 2 and before[recent.date()].action_rate("custom") == 1.0
    )

    with ledger.begin() as session:
        report = prune(session, retention=Duration(5, "day"), now=NOW)
    assert (report.consent_ids, report.events) == (4, 4)
    with ledger() as session:
        assert session.scalar(select(func.count()).select_from(ConsentEvent)) == 2
        after = statistics(session, cats, days=30, now=NOW)
        assert verify_chain(session, secret=SECRET).ok
    assert counts(after) == counts(before)
    with ledger.begin() as session:  # pruning twice adds nothing twice
        assert prune(session, retention=Duration(5, "day"), now=NOW).events == 0


def test_chart_is_an_accessible_inline_svg() -> None:
    svg = str(
        line_chart("Allowed <per> day", ["05-01", "05-02"], {"analytics": [0.5, None], "ads": [0.1, 0.2]})
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and "Allowed &lt;per&gt; day" in svg
    assert "<circle" in svg and "<polyline" in svg and "<script" not in svg


def test_console_pages_for_auditors_and_pruning_for_admins(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions.begin() as session:
        auditor = create_token(session, name="audit", role="auditor")[1]
        admin = create_token(session, name="ops", role="admin")[1]
    consent_id = client.post(
        "/api/v1/consent", json={"action": "accept_all", "categories": {"analytics": True}}
    ).json()["consent_id"]
    as_auditor = {"Authorization": f"Bearer {auditor}"}

    assert client.get("/admin/consent", follow_redirects=False).headers["location"].startswith("/admin/login")
    page = client.get("/admin/consent", headers=as_auditor)
    assert page.status_code == 200 and "<svg" in page.text and "Prune" not in page.text
    found = client.get("/admin/consent", params={"q": consent_id}, headers=as_auditor, follow_redirects=False)
    assert found.headers["location"] == f"/admin/consent/{consent_id}"
    receipt = client.get(f"/admin/consent/{consent_id}", headers=as_auditor)
    assert "Chain verified" in receipt.text
    export = client.get(f"/admin/consent/{consent_id}/export", headers=as_auditor)
    assert export.json()["events"][0]["categories"] == {"analytics": True}
    assert "attachment" in export.headers["content-disposition"]
    assert (
        client.get("/admin/consent", params={"q": "x y"}, headers=as_auditor).text.count(
            "is not a consent id"
        )
        == 1
    )

    assert client.post("/admin/consent/prune", headers=as_auditor).status_code == 403
    pruned = client.post(
        "/admin/consent/prune", headers={"Authorization": f"Bearer {admin}"}, follow_redirects=False
    )
    assert pruned.status_code == 303 and re.search(r"pruned=0$", pruned.headers["location"])
