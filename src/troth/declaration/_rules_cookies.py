"""Rules on cookies, scripts and the consent that gates them (ePrivacy Art. 5(3), GDPR Art. 7)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, eu_audience, rule
from troth.declaration._taxonomy import is_within

#: Names set by well-known analytics, advertising and social trackers.
_TRACKER_NAMES = re.compile(
    r"^(_ga|_gid|_gat|__utm|_gcl_|_fbp|_fbc|fr$|_hj|_clck|_clsk|_uet|muid$|ide$|test_cookie$|dsid$|nid$"
    r"|__hs|hubspotutk|_pin_|li_|bcookie|lidc|personalization_id|guest_id|_tt_|_ttp|_scid|yt-remote"
    r"|visitor_info1_live|ysc$|_pk_|_ym_|mp_|ajs_|amplitude)",
    re.IGNORECASE,
)
_TRACKER_WORDS = re.compile(
    r"\b(analytic\w*|statistic\w*|advertis\w*|remarketing|retargeting|cross-site tracking"
    r"|audience measurement|conversion tracking|ad personali[sz]ation)\b",
    re.IGNORECASE,
)
#: Hosts that serve analytics, advertising and social tracking scripts.
_TRACKER_HOSTS = re.compile(
    r"(google-analytics\.com|googletagmanager\.com|doubleclick\.net|googleadservices\.com"
    r"|googlesyndication\.com|connect\.facebook\.net|facebook\.com/tr|hotjar\.com|clarity\.ms"
    r"|snap\.licdn\.com|analytics\.tiktok\.com|bat\.bing\.com|static\.ads-twitter\.com"
    r"|plausible\.io|matomo|segment\.com|mixpanel\.com|hs-analytics\.net|js\.hs-scripts\.com)",
    re.IGNORECASE,
)
#: Personal data that trackers read from a browser.
_TRACKER_DATA = ("device", "usage", "location", "inference")


@rule(
    "TROTH101",
    "warning",
    "an analytics, advertising or social cookie is declared `necessary`",
    """
    Only storage that is strictly necessary for a service the person asked for is exempt
    from consent (ePrivacy Directive Art. 5(3); UK PECR reg. 6(4)). Audience measurement,
    advertising and social-media trackers are not: the EDPB (Guidelines 2/2023 on the
    technical scope of Art. 5(3)) and the CNIL (recommendation of 17 Sept. 2020) say they
    need prior consent. A cookie whose name belongs to a known tracker, a script loaded from
    a known tracking host, or either one whose purpose describes analytics or advertising,
    is flagged when its category is `necessary`, since the banner would let it run without
    asking. Fix: give it the category it really has.
    """,
)
def necessary_tracker(d: Declaration) -> Iterator[Finding]:
    for i, cookie in enumerate(d.cookies):
        if cookie.category != "necessary":
            continue
        if _TRACKER_NAMES.match(cookie.name) or _TRACKER_WORDS.search(cookie.purpose):
            yield (
                ("cookies", i, "category"),
                f"cookie `{cookie.name}` ({cookie.provider}) looks like analytics or advertising "
                "but is declared `necessary`, so it would be set without consent",
            )
    for i, script in enumerate(d.scripts):
        if script.category == "necessary" and (
            _TRACKER_HOSTS.search(script.src) or _TRACKER_WORDS.search(script.purpose)
        ):
            yield (
                ("scripts", i, "category"),
                f"script `{script.id}` ({script.provider}) looks like analytics or advertising "
                "but is declared `necessary`, so it would load without consent",
            )


@rule(
    "TROTH102",
    "warning",
    "a consent-based purpose collects tracking data but no consent category asks for it",
    """
    Consent must be asked for before the processing it covers and must be as easy to refuse
    as to give (GDPR Art. 4(11), 7; ePrivacy Art. 5(3)). A purpose based on consent that
    collects device, usage, location or profile data is in practice carried out by cookies
    or scripts, so the banner has to ask for it: set `consent_category` to the banner
    category (analytics, advertising, ...) whose answer stands for this consent.
    """,
)
def consent_without_category(d: Declaration) -> Iterator[Finding]:
    for i, purpose in enumerate(d.purposes):
        if purpose.lawful_basis != "consent" or purpose.consent_category:
            continue
        if any(is_within(c, root) for c in purpose.categories for root in _TRACKER_DATA):
            yield (
                ("purposes", i, "lawful_basis"),
                f"purpose `{purpose.id}` relies on consent for tracking data, but no `consent_category` "
                "says which banner choice gives it",
            )


@rule(
    "TROTH103",
    "warning",
    "a cookie that needs consent lives longer than 13 months for an EU/UK audience",
    """
    Consent to cookies does not last for ever. The CNIL's guidelines on cookies and other
    trackers (Deliberation 2020-091, art. 5) recommend a tracker lifetime of at most 13
    months, and the CNIL, the Garante and the EDPB's cookie banner taskforce treat longer
    lifetimes as disproportionate (GDPR Art. 5(1)(e) storage limitation). Shorten the
    lifetime to 13 months or less, or explain why the cookie is strictly necessary.
    """,
)
def cookie_lifetime(d: Declaration) -> Iterator[Finding]:
    if not eu_audience(d):
        return
    for i, cookie in enumerate(d.cookies):
        if cookie.category != "necessary" and cookie.lifetime.months > 13.01:
            yield (
                ("cookies", i, "lifetime"),
                f"cookie `{cookie.name}` lasts {cookie.lifetime}, longer than the 13 months "
                "recommended for cookies that need consent",
            )


@rule(
    "TROTH104",
    "warning",
    "a third-party cookie names no recipient",
    """
    A third-party cookie sends data to its provider, who is a recipient of personal data:
    the policy must name recipients or categories of recipients (GDPR Art. 13(1)(e)) and,
    when they are outside the EEA, the transfer safeguard (Art. 13(1)(f)). Declare the
    provider under `recipients` and point the cookie's `recipient` at it.
    """,
)
def third_party_cookie_recipient(d: Declaration) -> Iterator[Finding]:
    for i, cookie in enumerate(d.cookies):
        if cookie.party == "third" and not cookie.recipient:
            yield (
                ("cookies", i, "party"),
                f"third-party cookie `{cookie.name}` is set by {cookie.provider}, "
                "but no `recipient` says who receives its data",
            )


@rule(
    "TROTH105",
    "warning",
    "a consent purpose uses third-party cookies, but no recipient receives data for it",
    """
    When the cookies of a consent category are set by third parties, data collected for
    purposes behind that category leaves the site. People must be told who receives it
    before they consent (GDPR Art. 7(2), 13(1)(e); EDPB Guidelines 05/2020 on consent,
    section 3.3.1: the identity of each controller relying on the consent must be given).
    List the purpose under the receiving recipient's `purposes`.
    """,
)
def consent_purpose_recipient(d: Declaration) -> Iterator[Finding]:
    for i, purpose in enumerate(d.purposes):
        if purpose.lawful_basis != "consent" or not purpose.consent_category:
            continue
        third = [c for c in d.cookies if c.category == purpose.consent_category and c.party == "third"]
        if third and not any(purpose.id in r.purposes for r in d.recipients):
            yield (
                ("purposes", i, "consent_category"),
                f"purpose `{purpose.id}` uses third-party {purpose.consent_category} cookies "
                f"(`{third[0].name}`…), but no recipient lists it under `purposes`",
            )


@rule(
    "TROTH106",
    "warning",
    "cookies or scripts of a category that no purpose explains",
    """
    Every cookie and script that needs consent must serve a stated purpose with a lawful
    basis (GDPR Art. 5(1)(b), 13(1)(c)), and the banner must say what each category is for
    (EDPB Guidelines 05/2020, informed consent). When no purpose has `consent_category` set
    to a category that cookies or scripts use, the policy cannot say why that data is
    collected. Add a purpose with that consent category.
    """,
)
def category_without_purpose(d: Declaration) -> Iterator[Finding]:
    covered = {p.consent_category for p in d.purposes if p.consent_category}
    reported: set[str] = set()
    used = [("cookies", i, c.category) for i, c in enumerate(d.cookies)]
    used += [("scripts", i, s.category) for i, s in enumerate(d.scripts)]
    for section, i, category in used:
        if category == "necessary" or category in covered or category in reported:
            continue
        reported.add(category)
        yield (
            (section, i, "category"),
            f"no purpose has `consent_category: {category}`, so the policy does not say "
            f"why {category} cookies and scripts collect data",
        )


@rule(
    "TROTH107",
    "error",
    "a consent-based purpose is tied to the `necessary` category, which cannot be refused",
    """
    Consent must be freely given and as easy to withdraw as to give (GDPR Art. 4(11),
    7(3)). The `necessary` category is always on and never asked for, so a purpose that
    relies on consent cannot be tied to it: the banner would have no way to ask, and the
    consent ledger nothing to record. Choose a consent category (functional, analytics,
    advertising, social, embedded), or change the lawful basis if the purpose really is
    necessary for the service.
    """,
)
def consent_on_necessary(d: Declaration) -> Iterator[Finding]:
    for i, purpose in enumerate(d.purposes):
        if purpose.lawful_basis == "consent" and purpose.consent_category == "necessary":
            yield (
                ("purposes", i, "consent_category"),
                f"purpose `{purpose.id}` relies on consent but is tied to `necessary`, which is never asked",
            )


@rule(
    "TROTH140",
    "warning",
    "proof of consent is kept for less time than the consent is relied on",
    """
    Where processing is based on consent, the controller must be able to demonstrate that
    the person consented (GDPR Art. 7(1); EDPB Guidelines 05/2020, section 5.1), for as
    long as it relies on that consent. The consent ledger (`consent.ledger_retention`)
    must therefore outlive the period after which the banner asks again
    (`consent.reprompt_months`).
    """,
)
def ledger_too_short(d: Declaration) -> Iterator[Finding]:
    consent = d.consent
    if any(p.lawful_basis == "consent" for p in d.purposes) and consent.ledger_retention.months < (
        consent.reprompt_months - 0.01
    ):
        yield (
            ("consent", "ledger_retention"),
            f"consent records are kept for {consent.ledger_retention}, "
            f"but consent is relied on for {consent.reprompt_months} months",
        )
