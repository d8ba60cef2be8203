"""Rules on recipients and international transfers (GDPR Art. 28, 44-49)."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._countries import ADEQUATE, EEA, UK_ADEQUATE, needs_transfer_safeguard
from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, rule
from troth.declaration._taxonomy import is_within


@rule(
    "TROTH108",
    "warning",
    "a recipient outside the EEA/UK receives EU or UK data with no transfer safeguard",
    """
    Personal data may leave the EEA (or the UK) only to a country with an adequacy
    decision (GDPR Art. 45) or under an appropriate safeguard: standard contractual
    clauses, the UK IDTA or addendum, binding corporate rules, or the EU-US Data Privacy
    Framework for certified US companies (Art. 46, 47), or exceptionally a derogation
    (Art. 49). The policy must name the safeguard (Art. 13(1)(f)). Set
    `transfer_safeguard` on the recipient (scc, dpf, uk_idta, bcr, derogation).
    """,
)
def transfer_without_safeguard(d: Declaration) -> Iterator[Finding]:
    for i, recipient in enumerate(d.recipients):
        if recipient.transfer_safeguard not in {None, "none"}:
            continue
        if needs_transfer_safeguard(recipient.country, jurisdictions=d.jurisdictions):
            yield (
                ("recipients", i, "country"),
                f"{recipient.name} in {recipient.country} receives EU/UK personal data "
                "but no `transfer_safeguard` is stated",
            )


@rule(
    "TROTH109",
    "warning",
    "`adequacy` is claimed for a country without an adequacy decision",
    """
    Only the countries the European Commission (GDPR Art. 45) or the UK Secretary of State
    (UK GDPR Art. 45, "data bridges") has found adequate may receive data on that basis.
    The US decision of July 2023 covers only organisations certified under the EU-US Data
    Privacy Framework: state `dpf` for them, and `scc` for any other US recipient.
    """,
)
def false_adequacy(d: Declaration) -> Iterator[Finding]:
    eu, uk = "gdpr" in d.jurisdictions, "uk_gdpr" in d.jurisdictions
    for i, recipient in enumerate(d.recipients):
        if recipient.transfer_safeguard != "adequacy":
            continue
        country = recipient.country
        eu_ok = country in EEA or country in ADEQUATE
        uk_ok = country == "GB" or country in UK_ADEQUATE
        if (eu and not eu_ok) or (uk and not uk_ok):
            yield (
                ("recipients", i, "transfer_safeguard"),
                f"{country} has no adequacy decision covering {recipient.name}; "
                "state `dpf` (certified US companies) or `scc`",
            )


@rule(
    "TROTH110",
    "warning",
    "the Data Privacy Framework is claimed for a recipient outside the US",
    """
    The EU-US Data Privacy Framework (Commission adequacy decision of 10 July 2023) and the
    UK extension to it cover only US organisations that self-certify with the US Department
    of Commerce. A recipient in another country needs another safeguard (GDPR Art. 45, 46).
    """,
)
def dpf_outside_us(d: Declaration) -> Iterator[Finding]:
    for i, recipient in enumerate(d.recipients):
        if recipient.transfer_safeguard == "dpf" and recipient.country != "US":
            yield (
                ("recipients", i, "transfer_safeguard"),
                f"{recipient.name} is in {recipient.country}, but the Data Privacy Framework covers "
                "only US organisations",
            )


@rule(
    "TROTH111",
    "warning",
    "a processor has no data processing agreement",
    """
    A controller may use only processors bound by a contract that sets out the subject,
    duration, nature and purpose of the processing and the processor's duties (GDPR
    Art. 28(3); for CCPA service providers, Cal. Civ. Code §1798.100(d) and §1798.140(ag)).
    `dpa_signed: false` states that no such contract exists.
    """,
)
def processor_without_dpa(d: Declaration) -> Iterator[Finding]:
    for i, recipient in enumerate(d.recipients):
        if recipient.role in {"processor", "sub_processor"} and recipient.dpa_signed is False:
            yield (
                ("recipients", i, "dpa_signed"),
                f"processor {recipient.name} has no data processing agreement (Art. 28(3))",
            )


@rule(
    "TROTH112",
    "warning",
    "a recipient receives a data category that no purpose collects",
    """
    Data may be disclosed only for the purposes it was collected for (GDPR Art. 5(1)(b)),
    and the policy must tell people, per purpose, which data is processed (Art. 13(1)(c),
    14(1)(d)). A recipient listed as receiving a category that no purpose collects points
    to a purpose missing from the declaration, or to a wrong category on the recipient.
    """,
)
def recipient_category_not_collected(d: Declaration) -> Iterator[Finding]:
    collected = d.used_categories
    for i, recipient in enumerate(d.recipients):
        for j, category in enumerate(recipient.categories):
            related = (is_within(c, category) or is_within(category, c) for c in collected)
            if not any(related):
                yield (
                    ("recipients", i, "categories", j),
                    f"{recipient.name} receives `{category}`, which no purpose collects",
                )
