"""Each compliance rule fires on a declaration that breaks it and is silent once it is fixed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from declaration_base import Loader

from troth.declaration._lint import all_rules, rules_markdown, run

Edit = Callable[[dict[str, Any]], None]


def _walk(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def put(*path_and_value: Any) -> Edit:
    *path, value = path_and_value

    def edit(d: dict[str, Any]) -> None:
        _walk(d, tuple(path[:-1]))[path[-1]] = value

    return edit


def drop(*path: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        _walk(d, tuple(path[:-1])).pop(path[-1])

    return edit


def add(*path_and_value: Any) -> Edit:
    *path, value = path_and_value

    def edit(d: dict[str, Any]) -> None:
        _walk(d, tuple(path)).append(value)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        for one in edits:
            one(d)

    return edit


ADVERTISING_COOKIE = {
    "name": "ad_id",
    "provider": "Ads Ltd",
    "category": "advertising",
    "purpose": "ads",
    "lifetime": "3 months",
}
ADVERTISING_PURPOSE = {
    "id": "ads",
    "name": "Advertising",
    "lawful_basis": "consent",
    "consent_category": "advertising",
    "categories": ["device.cookie_id"],
}
DECISION = {"name": "fraud score", "logic": "rules", "significance": "orders may be refused"}
SHARED = put("purposes", 1, "shared", True)
CPA = both(
    add("organization", "jurisdictions", "cpa"),
    put("rights", "jurisdictions", "cpa", {"offered": ["access"]}),
)

#: rule id → (what breaks it, what fixes it again), each on declaration_base.BASE
CASES: dict[str, tuple[Edit, Edit]] = {
    "TROTH101": (put("cookies", 0, "name", "_ga"), put("cookies", 0, "category", "analytics")),
    "TROTH102": (
        put("purposes", 1, "consent_category", ""),
        put("purposes", 1, "consent_category", "analytics"),
    ),
    "TROTH103": (put("cookies", 1, "lifetime", "2 years"), put("cookies", 1, "lifetime", "390 days")),
    "TROTH104": (put("cookies", 1, "recipient", ""), put("cookies", 1, "party", "first")),
    "TROTH105": (put("recipients", 1, "purposes", []), put("recipients", 1, "purposes", ["analytics"])),
    "TROTH106": (add("cookies", ADVERTISING_COOKIE), add("purposes", ADVERTISING_PURPOSE)),
    "TROTH107": (
        put("purposes", 1, "consent_category", "necessary"),
        put("purposes", 1, "consent_category", "analytics"),
    ),
    "TROTH108": (
        put("recipients", 1, "transfer_safeguard", None),
        put("recipients", 1, "transfer_safeguard", "scc"),
    ),
    "TROTH109": (
        put("recipients", 1, "transfer_safeguard", "adequacy"),
        put("recipients", 1, "country", "JP"),
    ),
    "TROTH110": (
        put("recipients", 0, "transfer_safeguard", "dpf"),
        put("recipients", 0, "transfer_safeguard", None),
    ),
    "TROTH111": (put("recipients", 0, "dpa_signed", False), put("recipients", 0, "dpa_signed", True)),
    "TROTH112": (
        add("recipients", 0, "categories", "financial.payment_card"),
        add("purposes", 0, "categories", "financial.payment_card"),
    ),
    "TROTH113": (
        put("purposes", 0, "lawful_basis", "legitimate_interests"),
        put("purposes", 0, "legitimate_interest", "delivering what was bought"),
    ),
    "TROTH114": (
        add("purposes", 0, "categories", "special.health"),
        put("purposes", 0, "special_category_condition", "explicit consent, Art. 9(2)(a)"),
    ),
    "TROTH115": (
        both(
            put("purposes", 0, "lawful_basis", "legitimate_interests"),
            put("purposes", 0, "legitimate_interest", "safety"),
            add("purposes", 0, "categories", "children.age"),
        ),
        put("purposes", 0, "lawful_basis", "contract"),
    ),
    "TROTH116": (
        add("purposes", 0, "categories", "financial.transactions"),
        add("retention", {"id": "money", "categories": ["financial"], "period": "10 years"}),
    ),
    "TROTH117": (
        put("rights", "jurisdictions", "ccpa", "deadline_days", 60),
        put("rights", "jurisdictions", "ccpa", "deadline_days", 30),
    ),
    "TROTH118": (
        drop("rights", "jurisdictions", "gdpr", "offered", 3),
        add("rights", "jurisdictions", "gdpr", "offered", "erasure"),
    ),
    "TROTH119": (
        drop("rights", "jurisdictions", "ccpa"),
        put("rights", "jurisdictions", "ccpa", {"offered": ["access"]}),
    ),
    "TROTH120": (
        drop("organization", "supervisory_authority"),
        put("organization", "supervisory_authority", {"name": "ICO", "country": "GB"}),
    ),
    "TROTH121": (
        put("organization", "country", "US"),
        add("organization", "representatives", {"name": "UK Rep Ltd", "jurisdiction": "uk_gdpr"}),
    ),
    "TROTH122": (
        both(drop("organization", "dpo"), add("purposes", 0, "categories", "special.health")),
        put("organization", "dpo", {"email": "dpo@lantern.example"}),
    ),
    "TROTH123": (
        put("rights", "auto_approve", ["opt_out_sale_share"]),
        put("rights", "auto_approve", ["access"]),
    ),
    "TROTH124": (
        put("automated_decisions", {"used": True, "decisions": [{**DECISION, "human_review": False}]}),
        put("automated_decisions", "decisions", 0, "human_review", True),
    ),
    "TROTH125": (put("purposes", 0, "automated", True), put("automated_decisions", {"used": True})),
    "TROTH126": (SHARED, add("rights", "jurisdictions", "ccpa", "offered", "opt_out_sale_share")),
    "TROTH127": (
        put("rights", "authorized_agents", "allowed", False),
        put("rights", "authorized_agents", "allowed", True),
    ),
    "TROTH128": (both(SHARED, put("signals", {"gpc": "ignore"})), put("signals", "gpc", "honour")),
    "TROTH129": (both(CPA, SHARED, put("signals", {"gpc": "ignore"})), put("signals", "gpc", "honour")),
    "TROTH130": (put("age", "minimum", 13), put("age", "parental_consent", True)),
    "TROTH131": (put("age", "minimum", 12), put("age", "parental_consent", True)),
    "TROTH132": (both(SHARED, put("age", "minimum", 13)), put("age", "minimum", 16)),
    "TROTH133": (
        put("marketing", {"email": True, "unsubscribe": "none"}),
        put("marketing", "unsubscribe", "one_click"),
    ),
    "TROTH134": (
        both(put("marketing", {"email": True}), drop("organization", "postal_address")),
        put("marketing", "postal_address", {"street": "PO Box 1", "locality": "Bath", "country": "GB"}),
    ),
    "TROTH135": (
        put(
            "marketing",
            {"newsletters": [{"id": "news", "name": "News", "lawful_basis": "legitimate_interests"}]},
        ),
        put("marketing", "newsletters", 0, "lawful_basis", "consent"),
    ),
    "TROTH136": (
        both(drop("retention", 1, "period"), put("retention", 1, "until", "erasure_request")),
        put("retention", 1, "period", "13 months"),
    ),
    "TROTH139": (
        put("rights", "verification", {"methods": ["document"]}),
        put("rights", "verification", "methods", ["email_code", "document"]),
    ),
    "TROTH140": (
        put("consent", {"ledger_retention": "3 months"}),
        put("consent", "ledger_retention", "1 year"),
    ),
    "TROTH141": (put("rights", "record_keeping", "1 year"), put("rights", "record_keeping", "24 months")),
    "TROTH142": (
        put("marketing", {"newsletters": [{"id": "news", "name": "News"}]}),
        put("marketing", "double_opt_in", True),
    ),
    "TROTH137": (
        put("security", "breach_notification_hours", 96),
        put("security", "breach_notification_hours", 72),
    ),
    "TROTH138": (put("security", "measures", []), put("security", "measures", ["access control"])),
    "TROTH143": (
        put(
            "policy",
            "sections",
            [{"id": "arbitration", "title": "Arbitration", "body": "...", "after": "cookie"}],
        ),
        put("policy", "sections", 0, "after", "cookies"),
    ),
}

RULES = all_rules()


def test_there_are_enough_rules_and_each_has_a_case() -> None:
    assert len(RULES) >= 24
    assert set(CASES) == set(RULES)


def test_the_base_declaration_is_clean(base: dict[str, Any], load: Loader) -> None:
    assert [p.render() for p in run(load(base))] == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_a_declaration_that_breaks_it(rule_id: str, base: dict[str, Any], load: Loader) -> None:
    breaks, _ = CASES[rule_id]
    breaks(base)
    found = run(load(base), only={rule_id})
    assert found, f"{rule_id} did not fire"
    for problem in found:
        assert problem.code == rule_id
        assert problem.severity == RULES[rule_id].severity
        assert problem.location.file == "troth.yaml"
        assert problem.location.line >= 1
        assert problem.message
        assert problem.render().startswith(f"troth.yaml:{problem.location.line}:")


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_silent_once_fixed(rule_id: str, base: dict[str, Any], load: Loader) -> None:
    breaks, fixes = CASES[rule_id]
    breaks(base)
    fixes(base)
    assert [p.render() for p in run(load(base), only={rule_id})] == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_documented_with_a_source(rule_id: str) -> None:
    found = RULES[rule_id]
    assert found.severity in {"error", "warning", "info"}
    assert found.summary and not found.summary.endswith(".")
    assert any(ref in found.explanation for ref in ("Art.", "§", "reg.", "CFR", "U.S.C.", "Guidelines"))


# ---------------------------------------------------------------- finer points of single rules


def test_tracker_named_by_purpose_text_is_not_necessary(base: dict[str, Any], load: Loader) -> None:
    base["cookies"][0]["purpose"] = "Google Analytics statistics about visits"
    assert run(load(base), only={"TROTH101"})


def test_cookie_lifetime_only_matters_for_an_eu_audience(base: dict[str, Any], load: Loader) -> None:
    base["cookies"][1]["lifetime"] = "2 years"
    base["organization"]["jurisdictions"] = ["ccpa"]
    base["rights"]["jurisdictions"] = {"ccpa": base["rights"]["jurisdictions"]["ccpa"]}
    assert run(load(base), only={"TROTH103"}) == []


def test_retention_rule_on_an_ancestor_covers_the_child(base: dict[str, Any], load: Loader) -> None:
    base["purposes"][0]["categories"].append("contact.phone")
    assert run(load(base), only={"TROTH116"}) == []


def test_children_age_below_every_member_state(base: dict[str, Any], load: Loader) -> None:
    base["age"]["minimum"] = 12
    (problem,) = run(load(base), only={"TROTH130"})
    assert "below every member state" in problem.message
    assert problem.path == "age.minimum"


def test_uk_only_accepts_thirteen(base: dict[str, Any], load: Loader) -> None:
    base["organization"]["jurisdictions"] = ["uk_gdpr"]
    base["rights"]["jurisdictions"] = {"uk_gdpr": base["rights"]["jurisdictions"]["uk_gdpr"]}
    base["age"]["minimum"] = 13
    assert run(load(base), only={"TROTH130"}) == []
    base["age"]["minimum"] = 12
    assert run(load(base), only={"TROTH130"})


def test_automated_decision_right_needed_only_when_deciding(base: dict[str, Any], load: Loader) -> None:
    assert run(load(base), only={"TROTH118"}) == []
    base["automated_decisions"] = {"used": True, "decisions": [DECISION]}
    found = run(load(base), only={"TROTH118"})
    assert [p.path for p in found] == [
        "rights.jurisdictions.gdpr.offered",
        "rights.jurisdictions.uk_gdpr.offered",
    ]
    assert all(p.message.endswith(": contest_automated_decision") for p in found)


def test_essential_data_may_be_kept_until_erasure(base: dict[str, Any], load: Loader) -> None:
    del base["retention"][0]["period"]
    base["retention"][0]["until"] = "erasure_request"
    assert run(load(base), only={"TROTH136"}) == []


def test_findings_point_at_the_offending_value(base: dict[str, Any], load: Loader) -> None:
    base["cookies"][0]["name"] = "_ga"
    loaded = load(base)
    (problem,) = run(loaded, only={"TROTH101"})
    assert problem.path == "cookies[0].category"
    assert problem.location == loaded.where("cookies", 0, "category")


def test_docs_list_every_rule() -> None:
    """docs/rules.md is generated from the rules; a new or changed rule must be written there."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert doc.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is out of date; regenerate it with\n"
        "  .venv/bin/python -c 'from troth.declaration._lint import rules_markdown as r; "
        'print(r(), end="")\' > docs/rules.md'
    )
    for rule_id in RULES:
        assert f"## {rule_id}\n" in doc.read_text(encoding="utf-8")


def test_tracking_script_is_not_necessary(base: dict[str, Any], load: Loader) -> None:
    base["scripts"] = [
        {
            "id": "gtm",
            "name": "Tag Manager",
            "provider": "Google",
            "category": "necessary",
            "src": "https://www.googletagmanager.com/gtm.js",
        }
    ]
    (problem,) = run(load(base), only={"TROTH101"})
    assert problem.path == "scripts[0].category"
    base["scripts"][0]["category"] = "analytics"
    assert run(load(base), only={"TROTH101"}) == []


def test_extra_section_may_follow_an_earlier_extra_section(base: dict[str, Any], load: Loader) -> None:
    first = {"id": "law", "title": "Governing law", "body": "English law.", "after": "contact"}
    second = {"id": "disputes", "title": "Disputes", "body": "Courts of England.", "after": "law"}
    base["policy"]["sections"] = [first, second]
    assert run(load(base), only={"TROTH143"}) == []
    base["policy"]["sections"] = [second, first]
    [problem] = run(load(base), only={"TROTH143"})
    assert problem.path == "policy.sections[0].after"
    assert "comes later" in problem.message


def test_unknown_after_suggests_the_nearest_section(base: dict[str, Any], load: Loader) -> None:
    base["policy"]["sections"] = [
        {"id": "law", "title": "Law", "body": "English law.", "after": "your-right"}
    ]
    [problem] = run(load(base), only={"TROTH143"})
    assert "did you mean `your-rights`?" in problem.message
