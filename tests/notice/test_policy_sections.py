"""The rendered policy: every section, in order, in every format, and only for served jurisdictions."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

import troth.notice
from troth import ConfigurationError
from troth.declaration import JURISDICTIONS, RIGHTS, Declaration
from troth.notice import SECTION_IDS, render_policy
from troth.notice._outline import STANDARD_SECTIONS
from troth.notice._view import PolicyView

FORMATS = ["html", "md", "txt"]


def test_public_api_is_pinned() -> None:
    assert sorted(troth.notice.__all__) == [
        "SECTION_IDS",
        "cookies_csv",
        "policy_json",
        "recipients_csv",
        "render_cookie_table",
        "render_policy",
        "ropa_csv",
        "write_bundle",
    ]


def headings(text: str, fmt: str) -> list[str]:
    """The section headings (numbers dropped) in document order."""
    if fmt == "html":
        found = re.findall(r'<h2 id="[^"]+">\d+\. ([^<]+)</h2>', text)
    elif fmt == "md":
        found = re.findall(r"^## \d+\. (.+)$", text, flags=re.M)
    else:
        lines = text.splitlines()
        found = [
            re.sub(r"^\d+\. ", "", line)
            for line, under in itertools.pairwise(lines)
            if re.fullmatch(r"-{3,}", under) and re.match(r"\d+\. ", line)
        ]
    return [h.upper() for h in found]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_standard_section_appears_in_order(rich: Declaration, fmt: str) -> None:
    text = render_policy(rich, fmt=fmt)
    found = headings(text, fmt)
    standard = [s.title.upper() for s in STANDARD_SECTIONS]
    assert [h for h in found if h in standard] == standard
    if fmt != "txt":
        for section_id in SECTION_IDS:
            assert f'id="{section_id}"' in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_extra_sections_follow_their_anchor_and_contact_stays_last(rich: Declaration, fmt: str) -> None:
    found = headings(render_policy(rich, fmt=fmt), fmt)
    at = found.index("YOUR RIGHTS")
    assert found[at + 1 : at + 4] == ["DISPUTES AND ARBITRATION", "COOKIE HISTORY", "CHILDREN"]
    assert found[-2:] == ["GOVERNING LAW", "HOW TO CONTACT US"]


def test_extra_section_never_takes_a_standard_anchor(rich: Declaration) -> None:
    html = render_policy(rich)
    assert html.count('id="cookies"') == 1
    assert 'id="cookies-2"' in html


@pytest.mark.parametrize("taken", ["cookie-choices", "exercise-rights", "complaints", "rights-gdpr"])
def test_extra_section_never_takes_a_subsection_anchor(variant: Any, taken: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["policy"]["sections"] = [{"id": taken, "title": "Mine", "body": "Text.", "after": "cookies"}]

    html = render_policy(variant(edit))
    assert html.count(f'id="{taken}"') == 1
    assert f'id="{taken}-2"' in html


def test_extra_section_bullets_become_a_list(rich: Declaration) -> None:
    html = render_policy(rich)
    assert "<li>first, contact us</li>" in html


@pytest.mark.parametrize("fmt", FORMATS)
def test_served_jurisdictions_get_their_rights_and_deadlines(rich: Declaration, fmt: str) -> None:
    text = " ".join(render_policy(rich, fmt=fmt).split())
    for jurisdiction in ("gdpr", "uk_gdpr", "ccpa"):
        assert JURISDICTIONS[jurisdiction].name.replace("/", "/") in text.replace("\\", "")
    assert "one month, extendable by two more months where necessary" in text
    assert "45 days, extendable by 45 more days where necessary" in text
    assert "within 10 business days" in text
    for right in rich.rights.jurisdictions["ccpa"].offered:
        assert RIGHTS[right] in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_unserved_jurisdictions_leave_no_trace(variant: Any, fmt: str) -> None:
    def eu_only(data: dict[str, Any]) -> None:
        data["organization"]["jurisdictions"] = ["gdpr"]
        data["rights"]["jurisdictions"] = {"gdpr": data["rights"]["jurisdictions"]["gdpr"]}
        data["organization"]["representatives"] = []

    text = render_policy(variant(eu_only), fmt=fmt)
    assert "California" not in text
    assert "UK GDPR" not in text
    assert "Sale and sharing" not in text and "SALE AND SHARING" not in text
    assert "opt out of the sale" not in text
    assert "45 days" not in text
    if fmt == "html":
        assert 'id="sale-sharing"' not in text
        assert 'id="rights-ccpa"' not in text


def test_jurisdiction_without_declared_rights_gets_the_statutory_ones(variant: Any) -> None:
    def add_virginia(data: dict[str, Any]) -> None:
        data["organization"]["jurisdictions"].append("vcdpa")

    text = render_policy(variant(add_virginia), fmt="txt")
    assert "Virginia (VCDPA)" in text
    assert RIGHTS["opt_out_sale_share"] in text


def test_a_shorter_declared_deadline_is_stated(variant: Any) -> None:
    def faster(data: dict[str, Any]) -> None:
        data["rights"]["jurisdictions"]["gdpr"]["deadline_days"] = 20

    text = " ".join(render_policy(variant(faster), fmt="txt").split())
    assert "within 20 days, extendable by 60 more days" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_declared_facts_reach_the_reader(rich: Declaration, fmt: str) -> None:
    text = " ".join(render_policy(rich, fmt=fmt).split()).replace("\\", "")
    facts = [
        "Northwind Cycles Ltd",
        "09876543",
        "Priya Shah",
        "EU-Rep Services GmbH",
        "Information Commissioner's Office" if fmt != "html" else "Information Commissioner&#39;s Office",
        "stopping fraud and attacks on our shop",
        "your explicit consent in the app",
        "Speedy Couriers",
        "India",
        "Standard Contractual Clauses",
        "VISITOR_INFO1_LIVE",
        "13 months",
        "6 years after our contract with you ends",
        "a court order or an open dispute about the order",
        "then we anonymise it",
        "We never ask for your password.",
        "it works for 15 minutes",
        "Agents should email us a copy of your signed authorization.",
        "3 years",
        "under 16",
        "Guided rides for under-16s need a parent present.",
        "TLS on every page",
        "72 hours",
        "without undue delay",
        "Northwind News",
        "twice a year",
        "one click",
        "news@northwind.example",
        "We never rent or sell our mailing list.",
        "Global Privacy Control",
        "We also hide the YouTube embeds when DNT is on.",
        "Fraud screening",
        "a high score holds the order for a manual check",
        "version 4.2",
        "1 March 2025",
        "at least 30 days before it takes effect",
        "Cookie settings",
        "12 months",
        "The law of England and Wales governs this policy.",
        "https://tools.google.com/dlpage/gaoptout",
    ]
    missing = [f for f in facts if f not in text]
    assert not missing


def test_no_cookies_no_recipients_no_marketing_are_said_plainly(variant: Any) -> None:
    def bare(data: dict[str, Any]) -> None:
        for key in ("cookies", "scripts", "recipients", "marketing", "automated_decisions"):
            data.pop(key, None)
        for purpose in data["purposes"]:
            purpose.pop("automated", None)
            purpose.pop("shared", None)

    text = " ".join(render_policy(variant(bare), fmt="txt").split())
    assert "We do not use cookies or similar technologies." in text
    assert "We do not share your personal data with other organisations." in text
    assert "We do not send marketing emails or messages." in text
    assert "We do not make decisions about you based solely on automated processing" in text
    assert "We do not sell your personal information" in text


def test_unknown_format_is_a_troth_error(rich: Declaration) -> None:
    with pytest.raises(ConfigurationError, match="html, md, txt"):
        render_policy(rich, fmt="pdf")


def test_text_is_wrapped_at_78_columns(rich: Declaration) -> None:
    text = render_policy(rich, fmt="txt")
    long = [line for line in text.splitlines() if len(line) > 78]
    # only a single unbreakable word (a URL) may run past the margin
    assert all(len(line.split()) <= 3 and "://" in line for line in long), long


def test_text_tables_are_aligned(rich: Declaration) -> None:
    text = render_policy(rich, fmt="txt")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Name") and "Provider" in line)
    rule = lines[header + 1]
    assert re.fullmatch(r"-+( {2}-+){5}", rule)
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    assert [lines[header].index(h) for h in ("Name", "Provider", "Category")] == starts[:3]


def test_markdown_tables_are_well_formed(rich: Declaration) -> None:
    md = render_policy(rich, fmt="md")
    blocks = re.findall(r"((?:^\|.*\|\n)+)", md, flags=re.M)
    assert len(blocks) == 3  # data collected, recipients and cookies
    for block in blocks:
        rows = block.strip("\n").split("\n")
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows
        assert re.fullmatch(r"\|( --- \|)+", rows[1])
    assert "| _ga\\_\\* | Google |" not in md
    assert "| \\_ga\\_\\* | Google |" in md


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ({"minimum": 13}, "we delete it"),
        ({"minimum": 18, "on_discovery": "suspend_account"}, "we suspend the account at once"),
        ({"minimum": 0}, "we set no minimum age"),
    ],
)
def test_children_section_follows_the_age_rules(variant: Any, age: dict[str, Any], expected: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["age"] = age

    text = " ".join(render_policy(variant(edit), fmt="txt").split())
    assert expected in text
    assert "under 0" not in text


def test_us_only_site_speaks_of_no_data_protection_complaint_right(variant: Any) -> None:
    def us_only(data: dict[str, Any]) -> None:
        data["organization"]["jurisdictions"] = ["ccpa"]
        data["organization"]["representatives"] = []
        data["rights"]["jurisdictions"] = {"ccpa": data["rights"]["jurisdictions"]["ccpa"]}

    text = " ".join(render_policy(variant(us_only), fmt="txt").split())
    assert "the authority that enforces privacy law where you live" in text
    assert "right to complain to a data protection authority" not in text
    assert "EU/EEA" not in text and "UK GDPR" not in text


def test_extra_section_after_an_unknown_id_goes_before_contact(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["policy"]["sections"] = [
            {"id": "extra", "title": "Our promise", "body": "Kept.", "after": "nowhere"}
        ]

    found = headings(render_policy(variant(edit), fmt="md"), "md")
    assert found[-2:] == ["OUR PROMISE", "HOW TO CONTACT US"]


def test_extra_section_after_a_hidden_standard_section_keeps_its_place(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["organization"]["jurisdictions"] = ["gdpr"]
        data["organization"]["representatives"] = []
        data["rights"]["jurisdictions"] = {"gdpr": data["rights"]["jurisdictions"]["gdpr"]}
        data["policy"]["sections"] = [
            {"id": "us", "title": "US notice", "body": "None.", "after": "sale-sharing"}
        ]

    found = headings(render_policy(variant(edit), fmt="md"), "md")
    assert found.index("US NOTICE") == found.index("CHANGES TO THIS POLICY") - 1


def test_extra_section_after_a_standard_one_goes_before_extras_placed_at_the_end(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["policy"]["sections"] = [
            {"id": "links", "title": "Links to other sites", "body": "Not ours."},
            {"id": "more-changes", "title": "Continued use", "body": "Means consent.", "after": "changes"},
            {"id": "follow-up", "title": "Follow-up", "body": "More.", "after": "more-changes"},
            {"id": "also-changes", "title": "Notice period", "body": "None.", "after": "changes"},
        ]

    found = headings(render_policy(variant(edit), fmt="md"), "md")
    start = found.index("CHANGES TO THIS POLICY")
    assert found[start:] == [
        "CHANGES TO THIS POLICY",
        "CONTINUED USE",
        "FOLLOW-UP",
        "NOTICE PERIOD",
        "LINKS TO OTHER SITES",
        "HOW TO CONTACT US",
    ]


def test_a_purpose_states_the_retention_of_its_own_data_only(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["retention"] = [
            {"id": "everything", "categories": ["contact", "device", "usage"], "until": "purpose_fulfilled"}
        ]

    declaration = variant(edit)
    text = render_policy(declaration, fmt="txt")
    view = PolicyView(declaration)
    [rule] = declaration.retention
    for purpose in declaration.purposes:
        if view.rules_for(purpose):
            covered = view.covers_in(rule, purpose)
            assert covered and covered != view.covers(rule)
            assert " ".join(f"Retention of {covered}:".split()) in " ".join(text.split())


def test_cookie_categories_include_those_only_scripts_or_consent_purposes_use(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["cookies"] = [c for c in data["cookies"] if c["category"] == "necessary"]
        data["scripts"] = [s | {"category": "social"} for s in data["scripts"][:1]]
        data["scripts"][0].pop("cookies", None)
        data["purposes"].append(
            {
                "id": "partner-ads",
                "name": "Partners' advertising",
                "lawful_basis": "consent",
                "consent_category": "advertising",
                "categories": ["device.cookie_id"],
            }
        )

    text = " ".join(render_policy(variant(edit), fmt="txt").split())
    listed = text.split("fall into these categories:")[1].split("Cookies and similar technologies we use")[0]
    assert "Strictly necessary:" in listed and "Social media:" in listed and "Advertising:" in listed


def test_data_collected_table_says_where_from_and_what_for(rich: Declaration) -> None:
    md = render_policy(rich, fmt="md")
    rows = [r for r in md.splitlines() if r.startswith("| ")]
    header = rows.index("| Data | Where it comes from | What we use it for |")
    body = rows[header + 2 : header + 2 + len(PolicyView(rich).categories)]
    assert all(len(re.findall(r"(?<!\\)\|", r)) == 4 for r in body)
    assert any("| You give it to us |" in r for r in body)
    assert any("Recorded automatically as you use the site" in r for r in body)


def test_self_service_fields_read_as_words(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["rights"]["self_service"] = ["display_name", "email"]

    text = " ".join(render_policy(variant(edit), fmt="txt").split())
    assert "see and change your display name and email yourself" in text


def test_breach_statement_is_printed_in_the_breach_section(rich: Declaration) -> None:
    text = render_policy(rich, fmt="txt")
    breach = text.split("IF SOMETHING GOES WRONG: DATA BREACHES")[-1].split("MARKETING EMAILS")[0]
    assert "We also reset every password the incident may have exposed." in " ".join(breach.split())
