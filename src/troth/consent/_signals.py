"""What a request tells troth about the visitor, reduced to what the ledger may keep.

Browser opt-out signals (`Sec-GPC: 1`, `DNT: 1`) are honoured as the
declaration says; the IP address is truncated (IPv4 /24, IPv6 /48) and the
user agent reduced to browser family, major version and OS before anything is
stored; the jurisdiction comes from a country header set by a trusted proxy.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

from troth.consent._banner import BannerConfig
from troth.declaration import JURISDICTIONS, Declaration
from troth.declaration._countries import EEA

__all__ = ["RequestSignals", "gpc_document", "jurisdiction_for", "reduce_user_agent", "truncate_ip"]

#: Country headers set by common proxies and CDNs, in order of preference.
_COUNTRY = re.compile(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?")
COUNTRY_HEADERS = ("cf-ipcountry", "cloudfront-viewer-country", "x-country-code", "x-appengine-country")


@dataclass(frozen=True)
class RequestSignals:
    gpc: bool = False
    dnt: bool = False
    country: str = ""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RequestSignals:
        lowered = {k.lower(): v for k, v in headers.items()}
        country = next((lowered[h] for h in COUNTRY_HEADERS if lowered.get(h)), "").strip()
        return cls(
            gpc=lowered.get("sec-gpc", "").strip() == "1",
            dnt=lowered.get("dnt", "").strip() == "1",
            country=country.upper() if _COUNTRY.fullmatch(country) else "",
        )

    def opts_out(self, config: BannerConfig) -> str:
        """ "gpc" or "dnt" when an honoured signal refuses sale, sharing and advertising, else ""."""
        if self.gpc and config.honour_gpc:
            return "gpc"
        if self.dnt and config.honour_dnt:
            return "dnt"
        return ""


# Visitors send many requests from one address and one browser: both reductions are cached.
@functools.lru_cache(maxsize=4096)
def truncate_ip(address: str) -> str:
    """The network part only: 203.0.113.77 → 203.0.113.0, 2001:db8:1:2::5 → 2001:db8:1::."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS|HeadlessChrome|Chromium)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+).*Safari/")),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iOS", "iPhone"),
    ("iOS", "iPad"),
    ("Windows", "Windows"),
    ("macOS", "Mac OS X"),
    ("Linux", "Linux"),
)


@functools.lru_cache(maxsize=1024)
def reduce_user_agent(user_agent: str) -> str:
    """Browser family, major version and OS, e.g. "Firefox/128 (Windows)"; "other" when unknown."""
    browser = next(
        (f"{name}/{m.group(1)}" for name, pattern in _BROWSERS if (m := pattern.search(user_agent))), "other"
    )
    system = next((name for name, marker in _SYSTEMS if marker in user_agent), "")
    return (f"{browser} ({system})" if system else browser)[:80]


def jurisdiction_for(declaration: Declaration, country: str) -> str:
    """The declared jurisdiction whose region contains `country` (e.g. "gdpr" for FR), else "other"."""
    if not country:
        return "unknown"
    state_country = country.split("-")[0]
    for jurisdiction_id in declaration.organization.jurisdictions:
        jurisdiction = JURISDICTIONS.get(jurisdiction_id)
        if jurisdiction is None:
            continue
        # The GDPR's territory is the EEA (its jurisdiction entry lists no regions of its own).
        regions = EEA if jurisdiction_id == "gdpr" else jurisdiction.regions
        if country in regions or state_country in regions:
            return jurisdiction_id
    return "other"


def gpc_document(declaration: Declaration) -> dict[str, object]:
    """`/.well-known/gpc.json` as the GPC specification defines it."""
    document: dict[str, object] = {"gpc": declaration.signals.gpc == "honour"}
    document["lastUpdate"] = declaration.policy.effective_date.isoformat()
    return document
