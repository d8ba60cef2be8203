"""Country codes (ISO 3166-1 alpha-2) and the transfer regimes around them."""

from __future__ import annotations

from troth.declaration._country_names import COUNTRY_NAMES

__all__ = ["ADEQUATE", "COUNTRIES", "EEA", "UK_ADEQUATE", "code_for_name", "needs_transfer_safeguard"]

#: what people write instead of a code, beyond the countries' names
_ALIASES = {"uk": "GB", "great britain": "GB", "england": "GB", "usa": "US", "u.s.": "US", "america": "US"}

#: every ISO 3166-1 alpha-2 code
COUNTRIES: frozenset[str] = frozenset(COUNTRY_NAMES)

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


def code_for_name(name: str) -> str:
    """The code of a country written out (`Germany`, `the United States`, `UK`), or "" when none."""
    wanted = " ".join(name.lower().split()).removeprefix("the ")
    if wanted in _ALIASES:
        return _ALIASES[wanted]
    for code, known in COUNTRY_NAMES.items():
        if known.lower().removeprefix("the ") == wanted:
            return code
    return ""
