"""Classifying a change between two policy versions: material, or editorial, with the reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from troth.notice._diff import classify

BASE: dict[str, Any] = {
    "organization": {"legal_name": "Shop Ltd", "contact_email": "privacy@shop.example"},
    "purposes": [
        {"id": "orders", "name": "Orders", "lawful_basis": "contract", "categories": ["contact.email"]},
        {"id": "news", "name": "Newsletter", "lawful_basis": "consent", "categories": ["contact.email"]},
    ],
    "recipients": [
        {"id": "mail", "name": "Mailer", "country": "IE", "transfer_safeguard": None, "categories": []},
    ],
    "rights": {
        "jurisdictions": {"gdpr": {"offered": ["access", "erasure"], "deadline_days": 30}},
        "channels": [{"kind": "email", "address": "privacy@shop.example"}],
    },
    "retention": [{"id": "orders", "categories": ["commercial.orders"], "period": "2 years"}],
    "cookies": [{"name": "session", "category": "necessary", "provider": "Shop"}],
    "scripts": [],
    "policy": {"version": "1", "effective_date": "2026-01-01"},
}


def _changed(edit) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    edit(data)
    return data


CASES = [
    (
        "new purpose",
        lambda d: d["purposes"].append({"id": "ads", "name": "Ads", "categories": []}),
        True,
        "new purpose: Ads",
    ),
    (
        "lawful basis",
        lambda d: d["purposes"][1].update(lawful_basis="legitimate_interests"),
        True,
        "lawful basis changed",
    ),
    (
        "new category",
        lambda d: d["purposes"][0]["categories"].append("contact.phone"),
        True,
        "now also uses contact.phone",
    ),
    ("sold", lambda d: d["purposes"][0].update(sold=True), True, "is now sold"),
    (
        "new recipient",
        lambda d: d["recipients"].append({"id": "cdn", "name": "CDN", "country": "US"}),
        True,
        "new recipient: CDN (US)",
    ),
    ("transfer", lambda d: d["recipients"][0].update(country="US"), True, "now goes to US"),
    (
        "reduced right",
        lambda d: d["rights"]["jurisdictions"]["gdpr"]["offered"].remove("erasure"),
        True,
        "no longer offered: erasure",
    ),
    (
        "slower answers",
        lambda d: d["rights"]["jurisdictions"]["gdpr"].update(deadline_days=60),
        True,
        "up to 60 days",
    ),
    ("fewer channels", lambda d: d["rights"].update(channels=[]), True, "fewer ways to make a request"),
    ("longer retention", lambda d: d["retention"][0].update(period="3 years"), True, "kept longer: 3 years"),
    (
        "kept until an event",
        lambda d: d["retention"][0].update(period=None, until="erasure_request"),
        True,
        "kept longer",
    ),
    (
        "new tracker",
        lambda d: d["cookies"].append({"name": "_ga", "category": "analytics", "provider": "GA"}),
        True,
        "new analytics tracker: _ga",
    ),
    (
        "shorter retention",
        lambda d: d["retention"][0].update(period="1 year"),
        False,
        "rule reworded or shortened",
    ),
    ("dropped purpose", lambda d: d["purposes"].pop(1), False, "purpose dropped: Newsletter"),
    (
        "new necessary cookie",
        lambda d: d["cookies"].append({"name": "csrf", "category": "necessary", "provider": "Shop"}),
        False,
        "cookies changed",
    ),
    (
        "contact",
        lambda d: d["organization"].update(contact_email="dpo@shop.example"),
        False,
        "organization.contact_email changed",
    ),
]


@pytest.mark.parametrize(("edit", "material", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_kind_of_change_is_classified_with_its_reason(edit, material, reason):
    changes = classify(BASE, _changed(edit))
    assert changes, "the change was not noticed"
    assert any(reason in change.summary for change in changes), [c.summary for c in changes]
    assert any(change.material for change in changes) is material


def test_version_and_date_alone_are_not_changes():
    assert (
        classify(BASE, _changed(lambda d: d["policy"].update(version="2", effective_date="2026-06-01"))) == []
    )


def test_material_changes_come_first():
    def both(d: dict[str, Any]) -> None:
        d["organization"]["legal_name"] = "Shop Limited"
        d["recipients"][0]["country"] = "US"

    changes = classify(BASE, _changed(both))
    assert [c.material for c in changes] == [True, False]
