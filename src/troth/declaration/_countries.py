"""Country codes (ISO 3166-1 alpha-2) and the transfer regimes around them."""

from __future__ import annotations

__all__ = ["ADEQUATE", "COUNTRIES", "EEA", "UK_ADEQUATE", "needs_transfer_safeguard"]

COUNTRIES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
    ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
    IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
    NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
    SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
    VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

#: European Economic Area: the EU 27 plus Iceland, Liechtenstein and Norway.
EEA: frozenset[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

#: Countries with an EU adequacy decision (Art. 45 GDPR). The US one covers only
#: organisations certified under the EU-US Data Privacy Framework, so the US is
#: not listed here: a transfer there states `dpf` (or SCCs) as its safeguard.
ADEQUATE: frozenset[str] = frozenset("AD AR CA FO GB GG IL IM JP JE NZ KR CH UY".split())

#: Countries the UK recognises as adequate (UK "data bridges") beyond the EEA.
UK_ADEQUATE: frozenset[str] = EEA | frozenset("AD AR CA FO GG IL IM JP JE NZ KR CH UY".split())


def needs_transfer_safeguard(country: str, *, jurisdictions: set[str]) -> bool:
    """Whether sending EU / UK data to `country` needs an Art. 46 safeguard."""
    if "gdpr" in jurisdictions and country not in EEA and country not in ADEQUATE:
        return True
    return "uk_gdpr" in jurisdictions and country != "GB" and country not in UK_ADEQUATE
