"""The words troth uses for the declaration's coded values.

Policy prose lives in the templates; this module holds the phrases that both
the policy and the registers need (a lawful basis, a transfer safeguard, a
retention rule, a request deadline), so the policy and `ropa.csv` always say
the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable

from troth.declaration import JURISDICTIONS, Duration, RetentionRule
from troth.declaration._countries import EEA, needs_transfer_safeguard

__all__ = [
    "BASES",
    "BREACH_CHANNELS",
    "CHANNELS",
    "COOKIE_CATEGORIES",
    "COOKIE_CATEGORY_WORDS",
    "ROLES",
    "SAFEGUARDS",
    "SAFEGUARD_NAMES",
    "SOURCES",
    "SOURCES_SHORT",
    "VERIFICATION",
    "and_list",
    "deadline_words",
    "is_international",
    "lifetime_words",
    "number_words",
    "retention_words",
]

BASES: dict[str, str] = {
    "consent": "your consent",
    "contract": "the performance of a contract with you, or steps you ask us to take before entering one",
    "legal_obligation": "compliance with a legal obligation we are subject to",
    "vital_interests": "the protection of your vital interests or those of another person",
    "public_task": "a task carried out in the public interest",
    "legitimate_interests": "our legitimate interests, which do not override your rights and freedoms",
}

SAFEGUARDS: dict[str, str] = {
    "adequacy": "an adequacy decision: the destination is recognised as protecting personal data adequately",
    "dpf": "the EU-US Data Privacy Framework, under which the recipient is certified",
    "scc": "the Standard Contractual Clauses approved by the European Commission",
    "uk_idta": "the UK International Data Transfer Agreement (or the UK Addendum to the EU clauses)",
    "bcr": "binding corporate rules approved by a data protection authority",
    "derogation": "a specific exception allowed by law, such as your explicit consent or our contract with you",
    "none": "no specific transfer safeguard",
}

ROLES: dict[str, str] = {
    "processor": "Processor",
    "sub_processor": "Sub-processor",
    "controller": "Controller",
    "joint_controller": "Joint controller",
    "authority": "Public authority",
}

SAFEGUARD_NAMES: dict[str, str] = {
    "adequacy": "Adequacy decision",
    "dpf": "EU-US Data Privacy Framework",
    "scc": "Standard Contractual Clauses",
    "uk_idta": "UK transfer agreement",
    "bcr": "Binding corporate rules",
    "derogation": "Legal exception",
    "none": "None",
}

COOKIE_CATEGORY_WORDS: dict[str, str] = {
    "necessary": "needed for the site to work, such as keeping you signed in or remembering your choices",
    "functional": "remember your preferences and add features you ask for",
    "analytics": "tell us how visitors use the site, so that we can improve it",
    "advertising": "show you advertising and measure how well it works",
    "social": "let you share content on social networks, which may also track you",
    "embedded": "show content from other sites, such as videos or maps, whose providers may track you",
}

BREACH_CHANNELS: dict[str, str] = {
    "email": "by email",
    "site_notice": "with a notice on our site",
    "post": "by post",
    "phone": "by phone",
}

CHANNELS: dict[str, str] = {
    "email": "By email",
    "form": "Using our online form",
    "post": "By post",
    "phone": "By phone",
    "privacy_center": "In our privacy center",
}

VERIFICATION: dict[str, str] = {
    "email_code": "we send a one-time code to your email address",
    "signed_assertion": "if you are signed in, your account confirms who you are",
    "account_login": "we ask you to sign in to your account",
    "document": "we may ask for a document that proves who you are",
}

SOURCES: dict[str, str] = {
    "you": "from you, when you give it to us",
    "automatic": "automatically, when you use the site (server logs, cookies and similar technologies)",
    "third_party": "from third parties",
    "public": "from publicly available sources",
}

#: the same, short enough for a table cell
SOURCES_SHORT: dict[str, str] = {
    "you": "you give it to us",
    "automatic": "recorded automatically as you use the site",
    "third_party": "from third parties",
    "public": "from public sources",
}

COOKIE_CATEGORIES: dict[str, str] = {
    "necessary": "Strictly necessary",
    "functional": "Functional",
    "analytics": "Analytics",
    "advertising": "Advertising",
    "social": "Social media",
    "embedded": "Embedded content",
}

_TRIGGERS: dict[str, str] = {
    "collected": "from when we collect it",
    "last_activity": "after your last activity",
    "account_closed": "after you close your account",
    "contract_end": "after our contract with you ends",
    "consent_withdrawn": "after you withdraw your consent",
}

_UNTIL: dict[str, str] = {
    "erasure_request": "until you ask us to erase it",
    "account_closed": "until you close your account",
    "purpose_fulfilled": "until the purpose we collected it for is fulfilled",
    "consent_withdrawn": "until you withdraw your consent",
}

_ACTIONS: dict[str, str] = {
    "delete": "then we delete it",
    "anonymize": "then we anonymise it so that it no longer identifies you",
}

_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def number_words(n: int) -> str:
    """1 → "one" … 12 → "twelve"; larger numbers as digits."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def and_list(items: Iterable[str], conjunction: str = "and") -> str:
    """["a", "b", "c"] → "a, b and c"."""
    words = [i for i in items if i]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _months(n: int) -> str:
    return f"{number_words(n)} month{'' if n == 1 else 's'}"


def deadline_words(jurisdiction: str, declared_days: int | None) -> str:
    """How long we take to answer a request, e.g. "one month, extendable by two more months…"."""
    rules = JURISDICTIONS[jurisdiction]
    if rules.deadline_in_months and (declared_days is None or declared_days >= rules.deadline_days):
        base = _months(rules.deadline_in_months)
        extension = _months(rules.extension_in_months) if rules.extension_in_months else ""
    else:
        days = min(declared_days or rules.deadline_days, rules.deadline_days)
        base = f"{days} days"
        extension = f"{rules.extension_days} days" if rules.extension_days else ""
    if not extension:
        return base
    more = extension.replace(" month", " more month").replace(" days", " more days")
    return f"{base}, extendable by {more} where necessary (we will tell you why within the first period)"


def lifetime_words(lifetime: Duration) -> str:
    return "until you close your browser" if lifetime.is_session else str(lifetime)


def retention_words(rule: RetentionRule) -> str:
    """A retention rule as one sentence: period, what starts the clock, and what happens then."""
    if rule.period is not None:
        when = f"for {rule.period} {_TRIGGERS[rule.starts]}"
        if rule.until:
            when += f", or {_UNTIL[rule.until]} if that comes first"
    else:
        when = _UNTIL[rule.until or "purpose_fulfilled"]
    return f"we keep this data {when}; {_ACTIONS[rule.action]}."


def is_international(country: str, *, home: str, jurisdictions: set[str]) -> bool:
    """Whether data sent to `country` makes an international transfer: it leaves the controller's
    own region, or it leaves the EU / UK standard for people a served GDPR regime protects."""
    if needs_transfer_safeguard(country, jurisdictions=jurisdictions):
        return True
    if home in EEA:
        return country not in EEA
    return country != home
