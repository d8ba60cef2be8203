"""The base declaration of the declaration tests: small, valid, and clean under every rule.

A module of its own (not conftest.py) so that test modules can import it by a
name no other test folder uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from troth.declaration import LoadedDeclaration

BASE: dict[str, Any] = {
    "organization": {
        "legal_name": "Lantern Books Ltd",
        "website": "https://lantern.example",
        "contact_email": "privacy@lantern.example",
        "country": "GB",
        "postal_address": {"street": "1 High Street", "locality": "Bath", "country": "GB"},
        "jurisdictions": ["gdpr", "uk_gdpr", "ccpa"],
        "dpo": {"name": "Ada Byron", "email": "dpo@lantern.example"},
        "representatives": [{"name": "EU Rep BV", "email": "rep@eurep.example", "jurisdiction": "gdpr"}],
        "supervisory_authority": {"name": "Information Commissioner's Office", "country": "GB"},
    },
    "purposes": [
        {
            "id": "orders",
            "name": "Sell and deliver books",
            "lawful_basis": "contract",
            "categories": ["contact.email", "identity.name", "commercial.orders"],
        },
        {
            "id": "analytics",
            "name": "Measure how the shop is used",
            "lawful_basis": "consent",
            "consent_category": "analytics",
            "categories": ["usage.pages_viewed", "device.cookie_id"],
        },
    ],
    "recipients": [
        {
            "id": "host",
            "name": "Hostly GmbH",
            "role": "processor",
            "country": "DE",
            "purposes": ["orders"],
            "categories": ["contact.email"],
        },
        {
            "id": "stats",
            "name": "Stats Inc",
            "role": "processor",
            "country": "US",
            "transfer_safeguard": "dpf",
            "purposes": ["analytics"],
            "categories": ["usage.pages_viewed"],
        },
    ],
    "cookies": [
        {
            "name": "session",
            "provider": "Lantern Books",
            "category": "necessary",
            "purpose": "keeps you signed in",
            "lifetime": "session",
        },
        {
            "name": "_st_id",
            "provider": "Stats Inc",
            "recipient": "stats",
            "category": "analytics",
            "purpose": "counts visits",
            "lifetime": "13 months",
            "party": "third",
        },
    ],
    "retention": [
        {"id": "customers", "categories": ["contact", "identity", "commercial"], "period": "6 years"},
        {"id": "stats", "categories": ["usage", "device"], "period": "13 months"},
    ],
    "rights": {
        "jurisdictions": {
            "gdpr": {
                "offered": [
                    "access",
                    "portability",
                    "rectification",
                    "erasure",
                    "restriction",
                    "objection",
                    "withdraw_consent",
                    "complaint",
                ]
            },
            "uk_gdpr": {
                "offered": [
                    "access",
                    "portability",
                    "rectification",
                    "erasure",
                    "restriction",
                    "objection",
                    "withdraw_consent",
                    "complaint",
                ]
            },
            "ccpa": {
                "offered": ["access", "portability", "rectification", "erasure", "non_discrimination"],
                "deadline_days": 45,
            },
        },
        "channels": [{"kind": "email", "address": "privacy@lantern.example"}],
        "authorized_agents": {"allowed": True},
    },
    "age": {"minimum": 16},
    "security": {"measures": ["TLS everywhere", "encrypted backups"]},
    "policy": {"version": "1.0", "effective_date": "2025-01-01"},
}


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


Loader = Callable[[dict[str, Any]], LoadedDeclaration]
