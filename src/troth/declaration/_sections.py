"""The declaration's sections: who the site is, what it collects, why, and who receives it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import EmailStr, Field, HttpUrl, model_validator

from troth.declaration._types import Duration, DurationField, Slug, Strict

__all__ = [
    "LAWFUL_BASES",
    "POLICY_OUTLINE",
    "Address",
    "Contact",
    "CustomCategory",
    "DataSubject",
    "Organization",
    "Purpose",
    "Recipient",
    "SupervisoryAuthority",
]

LawfulBasis = Literal[
    "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests"
]
LAWFUL_BASES: tuple[str, ...] = LawfulBasis.__args__  # type: ignore[attr-defined]

Source = Literal["you", "automatic", "third_party", "public"]


class Address(Strict):
    street: str
    locality: str
    region: str = ""
    postal_code: str = ""
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. GB")

    def lines(self) -> list[str]:
        return [p for p in (self.street, self.locality, self.region, self.postal_code, self.country) if p]


class Contact(Strict):
    name: str = ""
    email: EmailStr | None = None
    phone: str = ""
    postal_address: Address | None = None
    url: HttpUrl | None = None


class SupervisoryAuthority(Strict):
    name: str
    country: str
    website: HttpUrl | None = None
    email: EmailStr | None = None


class Representative(Contact):
    jurisdiction: str


class Organization(Strict):
    legal_name: str
    trading_name: str = ""
    website: HttpUrl
    contact_email: EmailStr
    phone: str = ""
    postal_address: Address | None = None
    company_number: str = ""
    country: str = Field(description="where the controller is established (ISO 3166-1 alpha-2)")
    dpo: Contact | None = None
    representatives: list[Representative] = []
    supervisory_authority: SupervisoryAuthority | None = None
    jurisdictions: list[str] = Field(min_length=1)
    processing_countries: list[str] = []

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name


class CustomCategory(Strict):
    id: str
    label: str
    description: str = ""
    sensitive: bool = False


class DataSubject(Strict):
    id: Slug
    label: str
    description: str = ""


class Purpose(Strict):
    id: Slug
    name: str
    description: str = ""
    lawful_basis: LawfulBasis
    legitimate_interest: str = Field(
        "", description="the interest pursued, required for legitimate_interests"
    )
    categories: list[str] = Field(min_length=1)
    subjects: list[str] = []
    sources: list[Source] = ["you"]
    consent_category: str = Field("", description="cookie/consent category that asks for this consent")
    special_category_condition: str = Field("", description="the Art. 9(2) condition for special categories")
    sold: bool = Field(False, description="CCPA: personal information is sold for this purpose")
    shared: bool = Field(False, description="CCPA: shared for cross-context behavioral advertising")
    automated: bool = False


RecipientRole = Literal["processor", "sub_processor", "controller", "joint_controller", "authority"]
Safeguard = Literal["adequacy", "dpf", "scc", "uk_idta", "bcr", "derogation", "none"]


class Webhook(Strict):
    url: HttpUrl
    secret_env: str = Field(description="environment variable holding the signing secret")


class Recipient(Strict):
    id: Slug
    name: str
    role: RecipientRole
    service: str = Field("", description="what they do for the site")
    purposes: list[str] = []
    categories: list[str] = []
    country: str
    transfer_safeguard: Safeguard | None = None
    privacy_policy: HttpUrl | None = None
    opt_out_url: HttpUrl | None = None
    dpa_signed: bool | None = None
    erasure_webhook: Webhook | None = None


class Cookie(Strict):
    name: str = Field(description="exact name, or a pattern with * wildcards, e.g. _ga_*")
    provider: str
    recipient: str = ""
    category: Literal["necessary", "functional", "analytics", "advertising", "social", "embedded"]
    purpose: str
    lifetime: DurationField
    party: Literal["first", "third"] = "first"
    type: Literal["cookie", "local_storage", "session_storage", "pixel"] = "cookie"

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name


class Script(Strict):
    id: Slug
    name: str
    provider: str
    recipient: str = ""
    category: Literal["necessary", "functional", "analytics", "advertising", "social", "embedded"]
    kind: Literal["script", "iframe", "image"] = "script"
    src: str = Field("", description="URL or URL prefix the script or embed loads from")
    cookies: list[str] = []
    purpose: str = ""


RetentionTrigger = Literal[
    "collected", "last_activity", "account_closed", "contract_end", "consent_withdrawn"
]


class RetentionRule(Strict):
    id: Slug
    categories: list[str] = []
    collections: list[str] = Field([], description="dataset.collection names this rule applies to")
    period: DurationField | None = None
    until: Literal["erasure_request", "account_closed", "purpose_fulfilled", "consent_withdrawn"] | None = (
        None
    )
    starts: RetentionTrigger = "collected"
    action: Literal["delete", "anonymize"] = "delete"
    reason: str = ""
    legal_hold: str = Field("", description="legal obligation that may require keeping the data longer")

    @model_validator(mode="after")
    def _period_or_until(self) -> RetentionRule:
        if self.period is None and self.until is None:
            raise ValueError("give a `period` (e.g. '12 months') or an `until` event (e.g. erasure_request)")
        if not self.categories and not self.collections:
            raise ValueError("say what the rule covers: `categories` or `collections`")
        return self


class RequestChannel(Strict):
    kind: Literal["email", "form", "post", "phone", "privacy_center"]
    address: str = Field("", description="email address, URL, phone number or postal address")


class JurisdictionRights(Strict):
    offered: list[str] = Field(min_length=1)
    deadline_days: int | None = Field(None, ge=1, le=90)


class Verification(Strict):
    methods: list[Literal["email_code", "signed_assertion", "account_login", "document"]] = ["email_code"]
    description: str = ""
    code_ttl_minutes: int = Field(15, ge=1, le=1440)
    max_attempts: int = Field(5, ge=1, le=20)


class AuthorizedAgents(Strict):
    allowed: bool = False
    instructions: str = ""
    require_signed_permission: bool = True
    require_subject_confirmation: bool = True


class Rights(Strict):
    jurisdictions: dict[str, JurisdictionRights]
    channels: list[RequestChannel] = Field(min_length=1)
    verification: Verification = Verification()
    authorized_agents: AuthorizedAgents = AuthorizedAgents()
    auto_approve: list[str] = []
    self_service: list[str] = Field([], description="fields a person can change themselves online")
    record_keeping: DurationField = Field(
        default_factory=lambda: Duration(2, "year"),
        description="how long troth keeps a closed request before minimising it",
    )


class Age(Strict):
    minimum: int = Field(ge=0, le=21)
    parental_consent: bool = False
    directed_to_children: bool = False
    on_discovery: Literal["delete", "seek_parental_consent", "suspend_account"] = "delete"
    statement: str = ""


class Newsletter(Strict):
    id: Slug
    name: str
    description: str = ""
    frequency: str = ""
    lawful_basis: Literal["consent", "legitimate_interests"] = "consent"


class Marketing(Strict):
    email: bool = False
    newsletters: list[Newsletter] = []
    double_opt_in: bool = False
    unsubscribe: Literal["one_click", "link", "none"] = "one_click"
    sender_name: str = ""
    sender_email: EmailStr | None = None
    postal_address: Address | None = None
    sms: bool = False
    third_party_marketing: bool = False
    statement: str = Field("", description="the site's own words on its marketing, printed in that section")


class Signals(Strict):
    gpc: Literal["honour", "ignore"] = "honour"
    dnt: Literal["honour", "ignore"] = "ignore"
    dnt_statement: str = ""


class AutomatedDecision(Strict):
    name: str
    logic: str
    significance: str
    human_review: bool = True


class AutomatedDecisions(Strict):
    used: bool = False
    profiling: bool = False
    decisions: list[AutomatedDecision] = []


BreachChannel = Literal["email", "site_notice", "post", "phone"]


class Security(Strict):
    measures: list[str] = []
    breach_notification_hours: int = Field(72, ge=1, le=720)
    notify_individuals: bool = True
    breach_channels: list[BreachChannel] = Field(
        ["email"], min_length=1, description="how affected people are told of a breach"
    )
    statement: str = ""
    breach_statement: str = Field(
        "", description="the site's own words on data breaches, printed in that section"
    )


#: The standard sections of a rendered policy, in order: (anchor id, heading). The ids are public:
#: links such as `/privacy#your-rights` rely on them, and an extra section's `after` names one of
#: them. They live here, not in `troth.notice`, so that `troth check` can test `after` without
#: loading the renderer.
POLICY_OUTLINE: tuple[tuple[str, str], ...] = (
    ("who-we-are", "Who we are"),
    ("what-we-collect", "What we collect and how"),
    ("purposes", "Why we use it and on what legal basis"),
    ("recipients", "Who receives it"),
    ("transfers", "International transfers"),
    ("cookies", "Cookies and similar technologies"),
    ("retention", "How long we keep it"),
    ("your-rights", "Your rights"),
    ("children", "Children"),
    ("security", "Security"),
    ("breach-notification", "If something goes wrong: data breaches"),
    ("marketing", "Marketing emails and newsletters"),
    ("signals", "Do Not Track and Global Privacy Control"),
    ("automated-decisions", "Automated decisions and profiling"),
    ("sale-sharing", "Sale and sharing of personal information"),
    ("changes", "Changes to this policy"),
    ("contact", "How to contact us"),
)


class PolicySection(Strict):
    id: Slug
    title: str
    body: str
    after: str = Field(
        "",
        description="id of the section this one follows (a standard one or an earlier extra one); "
        "default: at the end",
    )


class Policy(Strict):
    version: str
    effective_date: dt.date
    title: str = "Privacy Policy"
    languages: list[str] = ["en"]
    sections: list[PolicySection] = []
    notify_changes_by_email: bool = False
    notify_changes_on_site: bool = Field(False, description="a notice of change is shown on the site")
    notice_days_before_change: int = Field(0, ge=0, le=365)
    accept_changes_to_continue: bool = Field(
        False, description="people must accept a changed policy before they can go on using the site"
    )
    summary: str = ""


ConsentCategory = Literal["functional", "analytics", "advertising", "social", "embedded"]


class BannerText(Strict):
    """Banner wording in one language; empty fields fall back to troth's own wording."""

    title: str = ""
    body: str = ""
    accept_all: str = ""
    reject_all: str = ""
    customise: str = ""
    save: str = ""
    privacy_choices: str = ""
    gpc_honoured: str = ""
    categories: dict[str, str] = {}


class Consent(Strict):
    reprompt_months: int = Field(6, ge=1, le=13, description="ask again after this many months")
    texts: dict[str, BannerText] = {}
    #: Google Consent Mode defaults by region (ISO country or "default"): granted or denied
    consent_mode_regions: dict[str, Literal["granted", "denied"]] = {}
    ledger_retention: DurationField = Field(
        default_factory=lambda: Duration(5, "year"), description="how long proof of consent is kept"
    )
