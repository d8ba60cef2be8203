"""What the banner asks, derived from the declaration alone.

`BannerConfig.from_declaration` gathers the consent categories the site uses
(from its cookies, scripts and consent-based purposes), the services in each,
the first-party cookie names to delete on refusal, the signal rules and the
texts per language. Each category carries a fingerprint of everything that
makes consent to it informed (its services, cookies, purposes, recipients), so
a material change re-asks only the categories it touched.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from troth.consent._texts import CATEGORY_ORDER, resolve_texts, texts_hash
from troth.declaration import Declaration

__all__ = ["BannerConfig", "CategoryInfo", "ServiceInfo"]

#: Google Consent Mode v2 types each troth category grants.
CONSENT_MODE_TYPES: dict[str, tuple[str, ...]] = {
    "analytics": ("analytics_storage",),
    "advertising": ("ad_storage", "ad_user_data", "ad_personalization"),
    "functional": ("functionality_storage", "personalization_storage"),
}


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    name: str
    provider: str
    category: str
    kind: str
    src: str


@dataclass(frozen=True)
class CategoryInfo:
    id: str
    fingerprint: str
    #: refused whenever the visitor's browser sends an opt-out signal (GPC, DNT where honoured)
    opt_out: bool
    #: first-party cookie and storage names (exact or `*` patterns) deleted on refusal
    cookies: tuple[str, ...]
    #: declared purposes that need this category's consent
    purposes: tuple[str, ...]


@dataclass(frozen=True)
class BannerConfig:
    policy_version: str
    categories: tuple[CategoryInfo, ...]
    services: tuple[ServiceInfo, ...]
    languages: tuple[str, ...]
    texts: dict[str, dict[str, Any]]
    hashes: dict[str, str]
    honour_gpc: bool
    honour_dnt: bool
    reprompt_months: int
    consent_mode_regions: dict[str, str]
    site_origin: str

    @classmethod
    def from_declaration(cls, declaration: Declaration) -> BannerConfig:
        used: set[str] = {c.category for c in declaration.cookies} | {s.category for s in declaration.scripts}
        used |= {p.consent_category for p in declaration.purposes if p.consent_category}
        order = [c for c in CATEGORY_ORDER if c in used]
        services = tuple(
            ServiceInfo(s.id, s.name, s.provider, s.category, s.kind, s.src)
            for s in declaration.scripts
            if s.category != "necessary"
        )
        opt_out_categories = {"advertising"} | {
            p.consent_category for p in declaration.purposes if p.consent_category and (p.sold or p.shared)
        }
        categories = tuple(
            CategoryInfo(
                id=category,
                fingerprint=_fingerprint(declaration, category),
                opt_out=category in opt_out_categories,
                cookies=tuple(
                    c.name for c in declaration.cookies if c.category == category and c.party == "first"
                ),
                purposes=tuple(p.id for p in declaration.purposes if p.consent_category == category),
            )
            for category in order
        )
        languages = tuple(dict.fromkeys([*declaration.policy.languages, *declaration.consent.texts]))
        names = {s.id: s.name for s in services}
        texts = {
            language: resolve_texts(language, declaration.consent.texts.get(language), order, names)
            for language in languages
        }
        website = declaration.organization.website
        origin = f"{website.scheme}://{website.host}" + (
            f":{website.port}" if website.port not in (None, 80, 443) else ""
        )
        return cls(
            policy_version=declaration.policy.version,
            categories=categories,
            services=services,
            languages=languages,
            texts=texts,
            hashes={language: texts_hash(shown) for language, shown in texts.items()},
            honour_gpc=declaration.signals.gpc == "honour",
            honour_dnt=declaration.signals.dnt == "honour",
            reprompt_months=declaration.consent.reprompt_months,
            consent_mode_regions=dict(declaration.consent.consent_mode_regions),
            site_origin=origin,
        )

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def category(self, category_id: str) -> CategoryInfo | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def service(self, service_id: str) -> ServiceInfo | None:
        return next((s for s in self.services if s.id == service_id), None)

    def opt_out_categories(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories if c.opt_out)

    def language_for(self, wanted: str) -> str:
        """The declared language closest to `wanted` (exact, then primary subtag, then the first)."""
        wanted = wanted.strip().lower()
        for language in self.languages:
            if language.lower() == wanted:
                return language
        for language in self.languages:
            if language.split("-")[0].lower() == wanted.split("-")[0]:
                return language
        return self.languages[0]

    def client(self, *, api: str = "", service_src: dict[str, str] | None = None) -> dict[str, Any]:
        """The compact settings object embedded in the served banner script."""
        sources = service_src or {}
        return {
            "v": self.policy_version,
            "api": api,
            "cats": [{"id": c.id, "fp": c.fingerprint} for c in self.categories],
            "svc": [
                {"id": s.id, "cat": s.category, "kind": s.kind, "src": sources.get(s.id, s.src)}
                for s in self.services
            ],
            "ck": {c.id: list(c.cookies) for c in self.categories if c.cookies},
            "oo": list(self.opt_out_categories()),
            "gpc": self.honour_gpc,
            "dnt": self.honour_dnt,
            "rp": self.reprompt_months,
            "rg": self.consent_mode_regions,
            "gcm": {k: list(v) for k, v in CONSENT_MODE_TYPES.items()},
            "t": {lang: {**texts, "h": self.hashes[lang]} for lang, texts in self.texts.items()},
        }


def _fingerprint(declaration: Declaration, category: str) -> str:
    """A short digest of what a visitor agrees to by granting `category`."""
    scripts = [s for s in declaration.scripts if s.category == category]
    purposes = [p for p in declaration.purposes if p.consent_category == category]
    recipients = sorted({s.recipient for s in scripts if s.recipient} | {s.provider for s in scripts})
    material = {
        "cookies": sorted(
            (c.name, c.provider, c.purpose, str(c.lifetime), c.party)
            for c in declaration.cookies
            if c.category == category
        ),
        "scripts": sorted((s.id, s.provider, s.recipient, s.src, s.kind) for s in scripts),
        "purposes": sorted(
            (p.id, p.lawful_basis, tuple(sorted(p.categories)), p.sold, p.shared) for p in purposes
        ),
        "recipients": recipients,
    }
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    return digest[:10]
