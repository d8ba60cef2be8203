"""Rules on browser privacy signals: Global Privacy Control and Do Not Track."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, rule, sells_or_shares


@rule(
    "TROTH128",
    "warning",
    "Global Privacy Control is ignored, though the CCPA applies and data is sold or shared",
    """
    A business that sells or shares personal information must treat an opt-out preference
    signal such as Global Privacy Control as a valid request to opt out (Cal. Civ. Code
    §1798.135(b)(1), (e); CCPA Regulations, 11 CCR §7025), as the California Attorney
    General's Sephora settlement (2022) enforced. Set `signals.gpc: honour`.
    """,
)
def gpc_ignored(d: Declaration) -> Iterator[Finding]:
    if d.signals.gpc == "ignore" and "ccpa" in d.jurisdictions and sells_or_shares(d):
        yield (("signals", "gpc"), "GPC is ignored, but Californians' data is sold or shared")


@rule(
    "TROTH129",
    "warning",
    "Global Privacy Control is ignored, though Colorado or Connecticut law applies and data is sold or shared",
    """
    The Colorado Privacy Act requires controllers to honour a universal opt-out mechanism
    for the sale of personal data and targeted advertising from 1 July 2024 (C.R.S.
    §6-1-1306(1)(a)(IV); 4 CCR 904-3, Rule 5, which recognises GPC), and the Connecticut
    Data Privacy Act from 1 January 2025 (Conn. Gen. Stat. §42-520(a)(6)(A)(ii)).
    Set `signals.gpc: honour`.
    """,
)
def gpc_ignored_us_states(d: Declaration) -> Iterator[Finding]:
    states = sorted({"cpa", "ctdpa"} & d.jurisdictions)
    if d.signals.gpc == "ignore" and states and sells_or_shares(d):
        yield (("signals", "gpc"), f"GPC is ignored, but data is sold or shared under {', '.join(states)}")
