"""The registers: the record of processing (GDPR Art. 30), recipients, cookies, and the
normalised declaration, as CSV and JSON that a spreadsheet or a regulator's tool can read.

Each register is a function from a declaration to text, so the CLI, the web app
and tests all produce byte-identical files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from typing import Any

from troth.declaration import Declaration
from troth.declaration._country_names import country_name
from troth.notice._view import PolicyView
from troth.notice._wording import ROLES, SAFEGUARD_NAMES, SOURCES, retention_words

__all__ = [
    "COOKIE_HEADERS",
    "RECIPIENT_HEADERS",
    "ROPA_HEADERS",
    "cookies_csv",
    "digest",
    "policy_json",
    "recipients_csv",
    "ropa_csv",
]

ROPA_HEADERS = (
    "purpose_id",
    "purpose",
    "description",
    "controller",
    "controller_contact",
    "dpo",
    "representatives",
    "lawful_basis",
    "legitimate_interest",
    "special_category_condition",
    "data_categories",
    "data_subjects",
    "sources",
    "recipients",
    "transfers_and_safeguards",
    "retention",
    "security_measures",
)
RECIPIENT_HEADERS = (
    "id",
    "name",
    "role",
    "service",
    "purposes",
    "data_categories",
    "country",
    "country_name",
    "international_transfer",
    "transfer_safeguard",
    "privacy_policy",
    "opt_out_url",
    "dpa_signed",
)
COOKIE_HEADERS = (
    "name",
    "type",
    "provider",
    "recipient",
    "category",
    "purpose",
    "lifetime",
    "lifetime_days",
    "party",
)

_ARTICLE = {
    "consent": "Consent (GDPR Art. 6(1)(a))",
    "contract": "Contract (GDPR Art. 6(1)(b))",
    "legal_obligation": "Legal obligation (GDPR Art. 6(1)(c))",
    "vital_interests": "Vital interests (GDPR Art. 6(1)(d))",
    "public_task": "Public task (GDPR Art. 6(1)(e))",
    "legitimate_interests": "Legitimate interests (GDPR Art. 6(1)(f))",
}
# A cell a spreadsheet would run as a formula; a phone number such as "+44 20 7946 0000" is not one.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s()]+$))")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text


def _join(items: Iterable[str]) -> str:
    return "; ".join(i for i in items if i)


def _csv(headers: tuple[str, ...], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def ropa_csv(declaration: Declaration) -> str:
    """GDPR Art. 30 record of processing activities: one row per purpose."""
    view = PolicyView(declaration)
    org = declaration.organization
    controller = org.legal_name + (f" (trading as {org.trading_name})" if org.trading_name else "")
    contact = _join(
        [str(org.contact_email), org.phone, view.address(org.postal_address) if org.postal_address else ""]
    )
    dpo = _join([org.dpo.name, view.contact_line(org.dpo)]) if org.dpo else ""
    representatives = _join(
        f"{view.jurisdiction_name(r.jurisdiction)}: {_join([r.name, view.contact_line(r)])}"
        for r in org.representatives
    )
    security = _join([*declaration.security.measures, declaration.security.statement])
    rows = []
    for purpose in declaration.purposes:
        recipients = view.recipients_of(purpose)
        transfers = [
            f"{r.name} ({country_name(r.country, article=False)}): "
            + (
                SAFEGUARD_NAMES[r.transfer_safeguard]
                if r.transfer_safeguard
                else "adequate protection, no further safeguard needed"
                if view.adequate(r)
                else "no safeguard stated"
            )
            for r in recipients
            if view.international(r)
        ]
        retention = [
            f"{view.covers_in(rule, purpose)}: {retention_words(rule).rstrip('.')}"
            for rule in view.rules_for(purpose)
        ]
        rows.append(
            [
                purpose.id,
                purpose.name,
                purpose.description,
                controller,
                contact,
                dpo,
                representatives,
                _ARTICLE[purpose.lawful_basis],
                purpose.legitimate_interest,
                purpose.special_category_condition,
                _join(view.label(c) for c in purpose.categories),
                view.subjects(purpose).replace(" and ", "; ") if purpose.subjects else "",
                _join(SOURCES[s] for s in purpose.sources),
                _join(f"{r.name} ({ROLES[r.role].lower()})" for r in recipients),
                _join(transfers) or "none",
                _join(retention),
                security,
            ]
        )
    return _csv(ROPA_HEADERS, rows)


def recipients_csv(declaration: Declaration) -> str:
    view = PolicyView(declaration)
    rows = [
        [
            r.id,
            r.name,
            r.role,
            r.service,
            _join(p.id for p in view.purposes_of(r)),
            _join(r.categories),
            r.country,
            country_name(r.country, article=False),
            "yes" if view.international(r) else "no",
            r.transfer_safeguard or "",
            r.privacy_policy or "",
            r.opt_out_url or "",
            "" if r.dpa_signed is None else ("yes" if r.dpa_signed else "no"),
        ]
        for r in declaration.recipients
    ]
    return _csv(RECIPIENT_HEADERS, rows)


def cookies_csv(declaration: Declaration) -> str:
    rows = [
        [
            c.name,
            c.type,
            c.provider,
            c.recipient,
            c.category,
            c.purpose,
            str(c.lifetime),
            round(c.lifetime.days),
            c.party,
        ]
        for c in declaration.cookies
    ]
    return _csv(COOKIE_HEADERS, rows)


def _normal(declaration: Declaration) -> dict[str, Any]:
    return declaration.model_dump(mode="json")


def digest(declaration: Declaration) -> str:
    """SHA-256 of the normalised declaration (the same digest as `LoadedDeclaration.digest`)."""
    return hashlib.sha256(json.dumps(_normal(declaration), sort_keys=True).encode()).hexdigest()


def policy_json(declaration: Declaration) -> str:
    """The declaration normalised (every default filled in) with its content digest."""
    document = {
        "digest": digest(declaration),
        "version": declaration.policy.version,
        "effective_date": declaration.policy.effective_date.isoformat(),
        "declaration": _normal(declaration),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
