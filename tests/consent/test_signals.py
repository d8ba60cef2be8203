"""What the ledger keeps of a request: signals, truncated IP, reduced user agent, jurisdiction; the schema."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

import troth.consent
from troth.consent import RequestSignals, reduce_user_agent, truncate_ip
from troth.consent._banner import BannerConfig
from troth.consent._signals import jurisdiction_for
from troth.declaration import Declaration
from troth.store import downgrade, make_engine, upgrade


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:1:2::5", "2001:db8:1::"),
        ("::ffff:10.1.2.3", "10.1.2.0"),
        ("nonsense", ""),
    ],
)
def test_ip_is_truncated(address: str, kept: str) -> None:
    assert truncate_ip(address) == kept


@pytest.mark.parametrize(
    ("agent", "reduced"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Safari/537.36",
            "Chrome/126 (Linux)",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox/128 (Windows)",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari/17 (iOS)",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge/126 (Windows)",
        ),
        ("curl/8.5.0", "other"),
    ],
)
def test_user_agent_is_reduced(agent: str, reduced: str) -> None:
    assert reduce_user_agent(agent) == reduced


def test_signals_follow_the_declaration(config: BannerConfig) -> None:
    assert RequestSignals.from_headers({"Sec-GPC": "1"}).opts_out(config) == "gpc"
    assert RequestSignals.from_headers({"DNT": "1"}).opts_out(config) == "dnt"
    assert RequestSignals.from_headers({"Sec-GPC": "0"}).opts_out(config) == ""
    ignoring = BannerConfig(**{**config.__dict__, "honour_gpc": False, "honour_dnt": False})
    assert RequestSignals.from_headers({"Sec-GPC": "1", "DNT": "1"}).opts_out(ignoring) == ""


@pytest.mark.parametrize(
    ("headers", "jurisdiction"),
    [
        ({"CF-IPCountry": "fr"}, "gdpr"),
        ({"X-Country-Code": "US-CA"}, "ccpa"),
        ({"CF-IPCountry": "JP"}, "other"),
        ({"CF-IPCountry": "<x>"}, "unknown"),
        ({}, "unknown"),
    ],
)
def test_jurisdiction_from_a_proxy_country_header(
    shop: Declaration, headers: dict[str, str], jurisdiction: str
) -> None:
    assert jurisdiction_for(shop, RequestSignals.from_headers(headers).country) == jurisdiction


def test_public_names_are_pinned() -> None:
    assert all(hasattr(troth.consent, name) for name in troth.consent.__all__)
    assert {
        "BannerConfig",
        "ConsentMiddleware",
        "DjangoConsentMiddleware",
        "verify_chain",
        "prune",
        "decide",
    } <= set(troth.consent.__all__)


def test_migration_creates_and_drops_the_ledger(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine)
        assert {"consent_events", "consent_texts", "consent_tallies"} <= set(
            inspect(engine).get_table_names()
        )
        downgrade(engine, "0001_core")
        assert not {"consent_events", "consent_texts", "consent_tallies"} & set(
            inspect(engine).get_table_names()
        )
        upgrade(engine)
        assert "consent_events" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
