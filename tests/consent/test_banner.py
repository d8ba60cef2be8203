"""The banner as generated from the declaration and served: size, strict-CSP safety, what it asks."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from troth.consent._assets import build_assets
from troth.consent._banner import BannerConfig
from troth.declaration import Declaration, load

BUDGET = 8 * 1024


def test_served_script_and_stylesheet_fit_in_8_kb_gzipped(client: TestClient) -> None:
    script, stylesheet = client.get("/troth.js"), client.get("/troth.css")
    assert script.headers["content-type"].startswith("text/javascript")
    assert stylesheet.headers["content-type"].startswith("text/css")
    size = len(gzip.compress(script.content, 9)) + len(gzip.compress(stylesheet.content, 9))
    assert size <= BUDGET, f"banner is {size} bytes gzipped, budget {BUDGET}"


def test_assets_are_cached_and_revalidated(client: TestClient) -> None:
    first = client.get("/troth.js")
    again = client.get("/troth.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and first.headers["cache-control"] == "public, max-age=300"


def test_script_needs_neither_eval_nor_inline_styles(config: BannerConfig) -> None:
    assets = build_assets(config)
    for forbidden in (
        r"\beval\(",
        r"new Function",
        r"\.style\b",
        r"setAttribute\(\"style",
        r"innerHTML",
        r"setTimeout\(\"",
    ):
        assert not re.search(forbidden, assets.script), forbidden
    assert "TROTH_SETTINGS" not in assets.script


def test_settings_come_from_the_declaration(config: BannerConfig) -> None:
    assert config.category_ids == ("analytics", "advertising", "social", "embedded")
    assert config.opt_out_categories() == ("advertising",)
    assert config.category("analytics").cookies == ("_ga", "_ga_*")  # type: ignore[union-attr]
    assert config.category("advertising").purposes == ("ads",)  # type: ignore[union-attr]
    assert config.honour_gpc and config.honour_dnt and config.reprompt_months == 6
    assert config.consent_mode_regions == {"default": "denied", "US": "granted"}
    assert config.site_origin == "http://127.0.0.1"


def test_texts_fall_back_to_troths_wording_per_language(config: BannerConfig) -> None:
    english, french = config.texts["en"], config.texts["fr"]
    assert english["title"] == "Cookies at Demo Shop" and english["reject_all"] == "Reject all"
    assert french["title"] == "Les cookies de Demo Shop" and french["accept_all"] == "Tout accepter"
    assert french["categories"]["analytics"][0] == "Mesure d'audience"
    assert english["services"] == {
        "analytics": "Site analytics",
        "pixel": "Conversion pixel",
        "tracker": "Tracking pixel",
        "video": "Product video",
        "share": "Share button",
    }
    assert config.hashes["en"] != config.hashes["fr"]
    assert config.language_for("fr-CA") == "fr" and config.language_for("ja") == "en"


def test_a_material_change_touches_only_its_category(shop: Declaration, config: BannerConfig) -> None:
    scripts = [
        s.model_copy(update={"src": "https://analytics.example/v2.js"}) if s.id == "analytics" else s
        for s in shop.scripts
    ]
    changed = BannerConfig.from_declaration(shop.model_copy(update={"scripts": scripts}))
    before = {c.id: c.fingerprint for c in config.categories}
    after = {c.id: c.fingerprint for c in changed.categories}
    assert [c for c in before if before[c] != after[c]] == ["analytics"]
    reworded = BannerConfig.from_declaration(
        shop.model_copy(update={"policy": shop.policy.model_copy(update={"version": "2026-02"})})
    )
    assert {c.id: c.fingerprint for c in reworded.categories} == before


def test_demo_page_runs_under_a_strict_policy(client: TestClient) -> None:
    page = client.get("/demo/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert (
        '<script type="text/plain" data-troth="analytics" data-src="/demo/vendor/analytics.js">' in page.text
    )
    assert "<script>" not in page.text and "style=" not in page.text
    assert client.get("/demo/vendor/video.html").status_code == 200
    assert client.get("/demo/vendor/nothing.js").status_code == 404
    assert "/demo/vendor/pixel.js" in client.get("/demo/shop.js").text


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*/troth.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_every_example_sites_banner_fits_the_budget(example: Path) -> None:
    assets = build_assets(BannerConfig.from_declaration(load(example)))
    assert assets.gzipped_size() <= BUDGET
