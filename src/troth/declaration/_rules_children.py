"""Rules on children's data (GDPR Art. 8, COPPA, CCPA §1798.120(c))."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._jurisdictions import US_STATE_LAWS
from troth.declaration._lint import Finding, rule, sells_or_shares


@rule(
    "TROTH130",
    "warning",
    "the minimum age is below the GDPR age of digital consent, without parental consent",
    """
    Where an online service relies on consent, a child's own consent counts only from 16
    (GDPR Art. 8(1)); member states may lower this to no less than 13 (Germany, the
    Netherlands and Ireland keep 16, France 15, Spain 14, Belgium and Denmark 13). Below
    that age, consent must be given or authorised by the holder of parental
    responsibility, with reasonable efforts to verify it (Art. 8(2)). The UK set the age at
    13 (Data Protection Act 2018, s. 9). Raise `age.minimum` or set `parental_consent`.
    """,
)
def gdpr_age(d: Declaration) -> Iterator[Finding]:
    age = d.age
    if age.parental_consent:
        return
    if "gdpr" in d.jurisdictions and age.minimum < 16:
        floor = (
            "below every member state's age (13)" if age.minimum < 13 else "below 16 in most member states"
        )
        yield (("age", "minimum"), f"minimum age {age.minimum} is {floor}, and no parental consent is sought")
    elif "uk_gdpr" in d.jurisdictions and age.minimum < 13:
        yield (
            ("age", "minimum"),
            f"minimum age {age.minimum} is below the UK's 13, without parental consent",
        )


@rule(
    "TROTH131",
    "warning",
    "a service for US children under 13 does not obtain parental consent (COPPA)",
    """
    An operator of a site directed to children under 13, or with actual knowledge that it
    collects their data, must obtain verifiable parental consent before collecting it and
    describe its practices in its notice (COPPA, 15 U.S.C. §6502; FTC rule, 16 CFR
    §312.4-312.5). Set `age.parental_consent`, or raise the minimum age to 13 and say what
    happens when a younger child is found.
    """,
)
def coppa(d: Declaration) -> Iterator[Finding]:
    age = d.age
    if not (US_STATE_LAWS & d.jurisdictions) or age.parental_consent:
        return
    if age.directed_to_children or age.minimum < 13:
        yield (
            ("age", "parental_consent"),
            "children under 13 in the US may use the site, but no verifiable parental consent is sought",
        )


@rule(
    "TROTH132",
    "warning",
    "data of Californians under 16 may be sold or shared without opt-in",
    """
    A business may not sell or share the personal information of a consumer it knows is
    under 16 unless the consumer (13 to 15) or a parent (under 13) has affirmatively
    authorised it: opt-in, not opt-out (Cal. Civ. Code §1798.120(c)-(d)). Raise
    `age.minimum` to 16, or stop selling and sharing.
    """,
)
def ccpa_minors(d: Declaration) -> Iterator[Finding]:
    if "ccpa" in d.jurisdictions and d.age.minimum < 16 and sells_or_shares(d):
        yield (
            ("age", "minimum"),
            f"people from {d.age.minimum} may use the site and data is sold or shared, "
            "which needs opt-in under 16 in California",
        )
