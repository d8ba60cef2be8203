"""Jurisdictions troth knows: the rights each grants and its deadlines.

Deadlines are the statutory ones; a declaration may shorten them, never
lengthen them (lint rule TROTH117).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GDPR_LAWS", "JURISDICTIONS", "RIGHTS", "US_STATE_LAWS", "Jurisdiction"]

#: Every right troth can handle, with the words a person reads.
RIGHTS: dict[str, str] = {
    "access": "Access the personal data held about you",
    "portability": "Receive your data in a portable, machine-readable format",
    "rectification": "Have inaccurate data corrected",
    "erasure": "Have your data deleted",
    "restriction": "Restrict how your data is used",
    "objection": "Object to processing based on legitimate interests or for direct marketing",
    "withdraw_consent": "Withdraw consent at any time",
    "opt_out_sale_share": "Opt out of the sale or sharing of your personal information",
    "limit_sensitive": "Limit the use of your sensitive personal information",
    "contest_automated_decision": "Not be subject to solely automated decisions, and contest them",
    "complaint": "Complain to a data protection authority",
    "non_discrimination": "Not be discriminated against for exercising your rights",
}


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    name: str
    rights: tuple[str, ...]
    #: days to answer a request, and the longest extension allowed
    deadline_days: int
    extension_days: int
    #: a month (GDPR) rather than a number of days
    deadline_in_months: int = 0
    extension_in_months: int = 0
    acknowledge_business_days: int = 0
    #: the region's countries (ISO 3166-1 alpha-2), or US states as "US-CA"
    regions: tuple[str, ...] = ()
    default_min_age: int = 13


_GDPR_RIGHTS = (
    "access",
    "portability",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "withdraw_consent",
    "contest_automated_decision",
    "complaint",
)
_US_STATE_RIGHTS = (
    "access",
    "portability",
    "rectification",
    "erasure",
    "opt_out_sale_share",
    "non_discrimination",
)

JURISDICTIONS: dict[str, Jurisdiction] = {
    j.id: j
    for j in (
        Jurisdiction(
            "gdpr",
            "EU/EEA (GDPR)",
            _GDPR_RIGHTS,
            30,
            60,
            deadline_in_months=1,
            extension_in_months=2,
            default_min_age=16,
        ),
        Jurisdiction(
            "uk_gdpr",
            "United Kingdom (UK GDPR)",
            _GDPR_RIGHTS,
            30,
            60,
            deadline_in_months=1,
            extension_in_months=2,
            regions=("GB",),
        ),
        Jurisdiction(
            "swiss_fadp",
            "Switzerland (FADP)",
            ("access", "portability", "rectification", "erasure", "objection"),
            30,
            30,
            regions=("CH",),
        ),
        Jurisdiction(
            "ccpa",
            "California (CCPA/CPRA)",
            (*_US_STATE_RIGHTS, "limit_sensitive"),
            45,
            45,
            acknowledge_business_days=10,
            regions=("US-CA",),
        ),
        Jurisdiction("vcdpa", "Virginia (VCDPA)", _US_STATE_RIGHTS, 45, 45, regions=("US-VA",)),
        Jurisdiction("cpa", "Colorado (CPA)", _US_STATE_RIGHTS, 45, 45, regions=("US-CO",)),
        Jurisdiction("ctdpa", "Connecticut (CTDPA)", _US_STATE_RIGHTS, 45, 45, regions=("US-CT",)),
        Jurisdiction(
            "pipeda",
            "Canada (PIPEDA)",
            ("access", "rectification", "withdraw_consent", "complaint"),
            30,
            30,
            regions=("CA",),
        ),
        Jurisdiction(
            "lgpd",
            "Brazil (LGPD)",
            (
                "access",
                "portability",
                "rectification",
                "erasure",
                "objection",
                "withdraw_consent",
                "complaint",
            ),
            15,
            0,
            regions=("BR",),
        ),
    )
}

#: the laws under which the GDPR, and the ePrivacy rules with it, apply
GDPR_LAWS: frozenset[str] = frozenset({"gdpr", "uk_gdpr"})

#: the US state privacy laws (those whose regions are US states)
US_STATE_LAWS: frozenset[str] = frozenset(
    j.id for j in JURISDICTIONS.values() if any(region.startswith("US-") for region in j.regions)
)
