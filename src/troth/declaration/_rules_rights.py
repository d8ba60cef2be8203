"""Rules on the rights people have and how requests are answered (GDPR Art. 12-22, 27, 37; CCPA)."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._countries import EEA
from troth.declaration._declaration import Declaration
from troth.declaration._jurisdictions import JURISDICTIONS
from troth.declaration._lint import Finding, eu_audience, rule, sells_or_shares
from troth.declaration._taxonomy import is_within

_EU = ("gdpr", "uk_gdpr")


@rule(
    "TROTH117",
    "warning",
    "a request deadline is longer than the law allows",
    """
    Requests must be answered within one month under the GDPR and UK GDPR (Art. 12(3),
    extendable by two months when complex), within 45 days under the CCPA (Cal. Civ. Code
    §1798.130(a)(2)) and the US state laws modelled on it, 30 days under PIPEDA and 15 days
    under the LGPD. A declaration may promise a shorter deadline, never a longer one.
    """,
)
def deadline_too_long(d: Declaration) -> Iterator[Finding]:
    for name, offer in d.rights.jurisdictions.items():
        law = JURISDICTIONS.get(name)
        if law and offer.deadline_days is not None and offer.deadline_days > law.deadline_days:
            yield (
                ("rights", "jurisdictions", name, "deadline_days"),
                f"{law.name} requests get {offer.deadline_days} days, "
                f"longer than the statutory {law.deadline_days}",
            )


def _relevant(d: Declaration, right: str) -> bool:
    """Rights that only matter when the site does the thing they answer."""
    if right == "contest_automated_decision":
        return d.automated_decisions.used or any(p.automated for p in d.purposes)
    if right == "withdraw_consent":
        return any(p.lawful_basis == "consent" for p in d.purposes)
    if right == "limit_sensitive":
        return any(d.categories[c].sensitive for c in d.used_categories if c in d.categories)
    # the sale/share opt-out has its own rule (TROTH126), the complaint right TROTH120
    return right not in {"opt_out_sale_share", "complaint"}


@rule(
    "TROTH118",
    "warning",
    "a right the law grants is not offered",
    """
    Each law lists rights a person can exercise: GDPR Art. 15-22 (access, rectification,
    erasure, restriction, portability, objection, withdrawal of consent, automated
    decisions); CCPA/CPRA §1798.100-.125 (know, delete, correct, opt out, limit sensitive
    information, non-discrimination); and similar lists in the other laws. The policy must
    describe them (GDPR Art. 13(2)(b)-(c); CCPA §1798.130(a)(5)). Rights that answer
    something the site does not do (automated decisions, consent, sensitive data) are only
    required when it does.
    """,
)
def rights_missing(d: Declaration) -> Iterator[Finding]:
    for name, offer in d.rights.jurisdictions.items():
        law = JURISDICTIONS.get(name)
        if law is None:
            continue
        missing = [r for r in law.rights if r not in offer.offered and _relevant(d, r)]
        if missing:
            yield (
                ("rights", "jurisdictions", name, "offered"),
                f"{law.name} grants rights not offered here: {', '.join(missing)}",
            )


@rule(
    "TROTH119",
    "warning",
    "a jurisdiction is served but its rights are not declared",
    """
    Serving people under a law brings its rights and deadlines with it (GDPR Art. 12-22,
    CCPA §1798.100 ff., ...). A jurisdiction listed in `organization.jurisdictions` without
    an entry under `rights.jurisdictions` leaves its requests without a list of rights, so
    neither the policy nor the request intake can say what a person may ask for.
    """,
)
def jurisdiction_without_rights(d: Declaration) -> Iterator[Finding]:
    for i, name in enumerate(d.organization.jurisdictions):
        if name not in d.rights.jurisdictions:
            yield (
                ("organization", "jurisdictions", i),
                f"`{name}` is served, but `rights.jurisdictions` has no entry for it",
            )


@rule(
    "TROTH120",
    "warning",
    "the GDPR applies, but no supervisory authority or complaint right is stated",
    """
    People have the right to lodge a complaint with a supervisory authority (GDPR Art. 77)
    and must be told so (Art. 13(2)(d), 14(2)(e)). Name the lead or local authority under
    `organization.supervisory_authority` (for the UK, the ICO) and offer `complaint`.
    """,
)
def no_authority(d: Declaration) -> Iterator[Finding]:
    if not eu_audience(d):
        return
    if d.organization.supervisory_authority is None:
        yield (("organization",), "no `supervisory_authority` is named for GDPR complaints")
    for name in _EU:
        offer = d.rights.jurisdictions.get(name)
        if offer is not None and "complaint" not in offer.offered:
            yield (
                ("rights", "jurisdictions", name, "offered"),
                f"the right to complain to the supervisory authority is not offered under {name}",
            )


@rule(
    "TROTH121",
    "warning",
    "a controller outside the EU (or UK) names no representative there",
    """
    A controller not established in the EU that offers goods or services to people in the
    EU must designate in writing a representative in a member state (GDPR Art. 27), unless
    its processing is occasional, low-risk and excludes special categories (Art. 27(2)).
    UK GDPR Art. 27 asks the same of controllers outside the UK. The policy gives the
    representative's identity and contact details (Art. 13(1)(a)).
    """,
)
def representative_missing(d: Declaration) -> Iterator[Finding]:
    org = d.organization
    named = {r.jurisdiction for r in org.representatives}
    if "gdpr" in d.jurisdictions and org.country not in EEA and "gdpr" not in named:
        yield (
            ("organization", "country"),
            f"a controller in {org.country} serving the EU names no EU representative",
        )
    if "uk_gdpr" in d.jurisdictions and org.country != "GB" and "uk_gdpr" not in named:
        yield (
            ("organization", "country"),
            f"a controller in {org.country} serving the UK names no UK representative",
        )


@rule(
    "TROTH122",
    "warning",
    "special-category data or profiling without a data protection officer",
    """
    A DPO must be designated when the core activities consist of large-scale processing of
    special-category data or of regular and systematic monitoring of people (GDPR
    Art. 37(1)(b)-(c); EDPB/WP29 Guidelines on DPOs, WP243). When a site processes such
    data or profiles people and names no DPO, check whether it must, and record why not.
    """,
)
def dpo_missing(d: Declaration) -> Iterator[Finding]:
    if not eu_audience(d) or d.organization.dpo is not None:
        return
    special = [c for c in d.used_categories if is_within(c, "special")]
    if special:
        yield (
            ("organization",),
            f"special-category data (`{special[0]}`) is processed but no `dpo` is named",
        )
    elif d.automated_decisions.profiling:
        yield (("organization",), "people are profiled but no `dpo` is named")


@rule(
    "TROTH123",
    "error",
    "a right is approved automatically but not offered anywhere",
    """
    `rights.auto_approve` lets requests of a kind skip manual review. A right that no
    jurisdiction offers cannot be requested, so the setting is a mistake: either offer the
    right (GDPR Art. 12(2): facilitate the exercise of rights) or remove it from the list.
    """,
)
def auto_approve_not_offered(d: Declaration) -> Iterator[Finding]:
    offered = {r for offer in d.rights.jurisdictions.values() for r in offer.offered}
    for i, right in enumerate(d.rights.auto_approve):
        if right not in offered:
            yield (("rights", "auto_approve", i), f"`{right}` is approved automatically but never offered")


@rule(
    "TROTH124",
    "warning",
    "an automated decision is made with no human review",
    """
    People have the right not to be subject to a decision based solely on automated
    processing that has legal or similarly significant effects (GDPR Art. 22(1)). Where
    such a decision is allowed (contract, law or explicit consent), the controller must
    at least offer human intervention and a way to contest it (Art. 22(3)); the policy
    explains the logic and consequences (Art. 13(2)(f)).
    """,
)
def automated_without_review(d: Declaration) -> Iterator[Finding]:
    if not d.automated_decisions.used:
        return
    for i, decision in enumerate(d.automated_decisions.decisions):
        if not decision.human_review:
            yield (
                ("automated_decisions", "decisions", i, "human_review"),
                f"automated decision `{decision.name}` offers no human review",
            )


@rule(
    "TROTH125",
    "warning",
    "a purpose is automated but `automated_decisions` says none are made",
    """
    The existence of automated decision-making, including profiling, its logic and its
    consequences must be disclosed (GDPR Art. 13(2)(f), 14(2)(g), 15(1)(h)). A purpose
    marked `automated: true` while `automated_decisions.used` is false would leave that
    disclosure out of the policy.
    """,
)
def automated_undisclosed(d: Declaration) -> Iterator[Finding]:
    if d.automated_decisions.used:
        return
    for i, purpose in enumerate(d.purposes):
        if purpose.automated:
            yield (
                ("purposes", i, "automated"),
                f"purpose `{purpose.id}` is automated but `automated_decisions.used` is false",
            )


@rule(
    "TROTH126",
    "warning",
    "the CCPA applies and data is sold or shared, but no opt-out is offered",
    """
    A business that sells personal information or shares it for cross-context behavioural
    advertising must let consumers opt out (Cal. Civ. Code §1798.120, §1798.135) and link
    to it ("Do Not Sell or Share My Personal Information"). Offer `opt_out_sale_share`
    under `rights.jurisdictions.ccpa`.
    """,
)
def ccpa_opt_out(d: Declaration) -> Iterator[Finding]:
    if "ccpa" not in d.jurisdictions or not sells_or_shares(d):
        return
    offer = d.rights.jurisdictions.get("ccpa")
    if offer is None or "opt_out_sale_share" not in offer.offered:
        path = ("rights", "jurisdictions", "ccpa", "offered") if offer else ("rights", "jurisdictions")
        yield (path, "personal information is sold or shared, but no `opt_out_sale_share` right is offered")


@rule(
    "TROTH127",
    "warning",
    "the CCPA applies, but authorized agents are refused",
    """
    Consumers may use an authorized agent to submit requests (Cal. Civ. Code §1798.135(c),
    §1798.185(a)(7); CCPA Regulations, 11 CCR §7063). A business may ask for signed
    permission and verification, but not refuse agents altogether. Set
    `rights.authorized_agents.allowed: true`.
    """,
)
def ccpa_agents(d: Declaration) -> Iterator[Finding]:
    if "ccpa" in d.jurisdictions and not d.rights.authorized_agents.allowed:
        yield (("rights", "authorized_agents"), "requests through authorized agents are not accepted")


@rule(
    "TROTH139",
    "warning",
    "identity is verified only by asking for identity documents",
    """
    Verification must be proportionate (GDPR Art. 5(1)(c), 12(6)): the EDPB Guidelines
    01/2022 on the right of access (paras. 73-79) say that asking for a copy of an
    identity document is, as a rule, inappropriate when the person can be authenticated
    by what the controller already holds (their account, a code sent to their email).
    The CCPA Regulations likewise verify by matching data already held (11 CCR §7060-7062).
    Offer `email_code` or `account_login`, and keep `document` for when those fail.
    """,
)
def documents_only(d: Declaration) -> Iterator[Finding]:
    if set(d.rights.verification.methods) == {"document"}:
        yield (("rights", "verification", "methods"), "every request must send an identity document")


@rule(
    "TROTH141",
    "warning",
    "request records are kept for less than the 24 months the CCPA requires",
    """
    A business must keep records of consumer requests and how it answered them for at
    least 24 months (CCPA Regulations, 11 CCR §7101(a)). `rights.record_keeping` is how
    long troth keeps a closed request before minimising it.
    """,
)
def ccpa_record_keeping(d: Declaration) -> Iterator[Finding]:
    kept = d.rights.record_keeping
    if "ccpa" in d.jurisdictions and kept.months < 24 - 0.01:
        yield (("rights", "record_keeping"), f"request records are kept for {kept}, less than 24 months")
