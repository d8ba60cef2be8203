"""The consent banner in real headless Chromium, on the demo shop under a strict CSP.

One live troth (uvicorn in a thread, SQLite) serves the test shop's declaration;
each test opens a fresh browser context (no cookies), so every scenario starts
as a first visit.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import axe_script, free_port, serving

from troth.settings import Settings
from troth.web._app import create_app
from troth.web._runtime import Runtime

pytestmark = pytest.mark.browser

SHOP = Path(__file__).resolve().parents[1] / "consent" / "shop.yaml"
NON_ESSENTIAL = ("_ga", "_ga_DEMO", "_fbp")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running troth for the test shop."""
    state = tmp_path_factory.mktemp("troth-state")
    settings = Settings.for_declaration(
        SHOP,
        state_dir=state,
        secret_key="e2e-consent-secret-key-0123456789abcdef",
        database_url=f"sqlite:///{state}/t.db",
    )
    app = create_app(Runtime.start(settings))
    with serving(app, free_port(), lifespan="off") as url:
        yield url


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_script()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    yield ctx
    ctx.close()


def cookies(ctx: Any) -> set[str]:
    return {c["name"] for c in ctx.cookies()}


def ran(page: Any) -> dict[str, int]:
    return dict(page.evaluate("() => window.trothDemo || {}"))


def data_layer(page: Any) -> list[Any]:
    return list(
        page.evaluate("() => window.dataLayer.map(e => (e && e.length !== undefined) ? Array.from(e) : e)")
    )


def stored_consent(ctx: Any) -> dict[str, Any]:
    value = next(c["value"] for c in ctx.cookies() if c["name"] == "troth_consent")
    return dict(json.loads(urllib.parse.unquote(value)))


def ledger(page: Any, live: str, consent_id: str, events: int = 1) -> dict[str, Any]:
    """The receipt of `consent_id` once it holds `events` events (the banner posts in the background)."""
    page.wait_for_function(
        "async ([u, n]) => { const r = await fetch(u); return r.ok && (await r.json()).events >= n; }",
        arg=[f"{live}/api/v1/consent/{consent_id}", events],
        timeout=5000,
    )
    return dict(page.request.get(f"{live}/api/v1/consent/{consent_id}/receipt?format=json").json())


def test_nothing_runs_before_a_choice_and_consent_mode_defaults_come_first(context: Any, live: str) -> None:
    page = context.new_page()
    page.goto(f"{live}/demo/")
    banner = page.get_by_role("dialog", name="Cookies at Demo Shop")
    banner.wait_for()
    page.wait_for_timeout(300)  # let the tag manager's dynamic insertion happen
    assert ran(page) == {}
    assert not cookies(context) & set(NON_ESSENTIAL)
    assert "troth_consent" not in cookies(context)
    assert page.locator("iframe[data-troth]").get_attribute("src") is None
    assert page.locator("img[data-troth]").get_attribute("src") is None
    assert page.get_by_role("button", name="Load this content: Product video").is_visible()
    layer = data_layer(page)
    assert layer[0][:2] == ["consent", "default"]
    assert {k: v for k, v in layer[0][2].items() if k != "wait_for_update"} == {
        "ad_storage": "denied",
        "ad_user_data": "denied",
        "ad_personalization": "denied",
        "analytics_storage": "denied",
        "functionality_storage": "denied",
        "personalization_storage": "denied",
        "security_storage": "granted",
    }
    assert layer[1][2]["region"] == ["US"] and layer[1][2]["analytics_storage"] == "granted"
    # The first layer offers accept and reject with equal weight, and nothing is pre-ticked.
    accept, reject = (
        page.get_by_role("button", name="Accept all"),
        page.get_by_role("button", name="Reject all"),
    )
    assert accept.evaluate("e => e.className") == reject.evaluate("e => e.className")
    page.get_by_role("button", name="Customise").click()
    dialog = page.get_by_role("dialog", name="Privacy choices")
    assert dialog.locator("input[type=checkbox]:checked").count() == 0


def test_accept_runs_everything_then_withdraw_deletes_cookies_and_stops_injection(
    context: Any, live: str
) -> None:
    page = context.new_page()
    refused: list[str] = []  # the demo runs under a strict CSP: nothing of the banner may be refused
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{live}/demo/")
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("() => window.trothDemo && window.trothDemo.pixel && window.trothDemo.share")
    assert ran(page) == {"analytics": 1, "share": 1, "pixel": 1}  # pixel: inserted dynamically by the site
    assert set(NON_ESSENTIAL) <= cookies(context)
    page.locator("iframe[data-troth][src]").wait_for(state="attached")
    assert page.locator("img[data-troth]").get_attribute("src") == "/demo/vendor/tracker.gif"
    layer = data_layer(page)
    update = next(i for i, e in enumerate(layer) if isinstance(e, list) and e[:2] == ["consent", "update"])
    first_tag = next(
        i for i, e in enumerate(layer) if isinstance(e, dict) and e.get("event") == "demo_tag_ran"
    )
    assert update < first_tag and layer[update][2]["analytics_storage"] == "granted"
    consent_id = stored_consent(context)["id"]
    record = ledger(page, live, consent_id)
    assert record["events"][0]["action"] == "accept_all" and record["chain_ok"]

    page.get_by_role("button", name="Privacy choices").first.click()
    page.get_by_role("button", name="Withdraw all consent").click()
    page.wait_for_function("() => !document.cookie.includes('_ga=')")
    assert not cookies(context) & set(NON_ESSENTIAL)
    page.reload()
    page.wait_for_timeout(300)
    assert ran(page) == {}
    assert page.get_by_role("dialog").count() == 0  # the choice stands: no banner again
    actions = [e["action"] for e in ledger(page, live, consent_id, events=2)["events"]]
    assert actions[-1] == "withdraw"
    assert refused == []


def test_reject_never_runs_anything_in_french(context: Any, live: str) -> None:
    page = context.new_page()
    page.goto(f"{live}/demo/?lang=fr")
    page.get_by_role("dialog", name="Les cookies de Demo Shop").wait_for()
    page.get_by_role("button", name="Tout refuser").click()
    page.reload()
    page.wait_for_timeout(300)
    assert ran(page) == {}
    assert not cookies(context) & set(NON_ESSENTIAL)
    assert page.get_by_role("button", name="Choix de confidentialité").first.is_visible()
    assert stored_consent(context)["c"] == {"analytics": 0, "advertising": 0, "social": 0, "embedded": 0}


def test_gpc_refuses_advertising_and_says_so(browser: Any, live: str) -> None:
    ctx = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    ctx.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    try:
        page = ctx.new_page()
        page.goto(f"{live}/demo/")
        assert (
            page.get_by_role("status")
            .first.inner_text()
            .startswith("Your browser's opt-out signal was honoured")
        )
        page.get_by_role("button", name="Accept all").click()
        page.wait_for_function("() => window.trothDemo && window.trothDemo.analytics")
        page.wait_for_timeout(300)
        assert "pixel" not in ran(page) and "_fbp" not in cookies(ctx)
        update = [e for e in data_layer(page) if isinstance(e, list) and e[:2] == ["consent", "update"]][-1]
        assert update[2]["ad_storage"] == "denied" and update[2]["analytics_storage"] == "granted"
        events = ledger(page, live, stored_consent(ctx)["id"], events=2)["events"]
        assert events[0]["action"] == "gpc" and events[0]["gpc"]
        assert events[-1]["categories"]["advertising"] is False and events[-1]["gpc"]
    finally:
        ctx.close()


def test_dnt_is_honoured_when_the_declaration_says_so(browser: Any, live: str) -> None:
    ctx = browser.new_context(extra_http_headers={"DNT": "1"})
    ctx.add_init_script("Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})")
    try:
        page = ctx.new_page()
        page.goto(f"{live}/demo/")
        page.get_by_role("button", name="Customise").click()
        advertising = page.get_by_role("checkbox", name="Advertising")
        assert advertising.is_disabled() and not advertising.is_checked()
        page.get_by_role("button", name="Accept all").last.click()
        events = ledger(page, live, stored_consent(ctx)["id"], events=2)["events"]
        assert [e["action"] for e in events] == ["dnt", "accept_all"]
        assert events[-1]["dnt"] and events[-1]["categories"]["advertising"] is False
    finally:
        ctx.close()


def test_embed_loads_only_after_its_placeholder_is_clicked(context: Any, live: str) -> None:
    page = context.new_page()
    page.goto(f"{live}/demo/")
    frame = page.locator("iframe[data-troth]")
    assert frame.get_attribute("src") is None
    page.get_by_role("button", name="Load this content: Product video").click()
    page.frame_locator("iframe[data-troth]").get_by_text("Product video").wait_for()
    assert ran(page) == {}  # only the embed was allowed
    assert page.get_by_role("dialog", name="Cookies at Demo Shop").is_visible()  # the rest is still asked
    assert stored_consent(context)["s"] == {"video": 1}


def test_keyboard_only_visitor_customises(context: Any, live: str) -> None:
    page = context.new_page()
    page.goto(f"{live}/demo/")
    page.get_by_role("dialog", name="Cookies at Demo Shop").wait_for()
    assert page.evaluate("() => document.activeElement.classList.contains('troth-bar')")
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Customise"
    page.keyboard.press("Enter")
    assert page.get_by_role("dialog", name="Privacy choices").is_visible()
    page.keyboard.press("Escape")  # closes, focus returns to the opener
    assert page.evaluate("() => document.activeElement.textContent") == "Customise"
    page.keyboard.press("Enter")
    while page.evaluate("() => document.activeElement.getAttribute('data-c')") != "analytics":
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    while page.evaluate("() => document.activeElement.textContent") != "Save choices":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.trothDemo && window.trothDemo.analytics")
    assert ran(page) == {"analytics": 1}
    assert page.get_by_role("dialog").count() == 0


def test_material_change_reasks_only_what_changed_and_period_expiry_reasks_all(
    context: Any, live: str
) -> None:
    page = context.new_page()
    page.goto(f"{live}/demo/")
    page.get_by_role("button", name="Reject all").click()
    state = stored_consent(context)
    # The analytics category changed since the choice (another fingerprint): only it is asked again.
    state["f"]["analytics"] = "0000000000"
    context.add_cookies(
        [{"name": "troth_consent", "value": urllib.parse.quote(json.dumps(state)), "url": live}]
    )
    page.reload()
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("() => window.trothDemo && window.trothDemo.analytics")
    page.wait_for_timeout(200)
    assert ran(page) == {"analytics": 1}
    again = stored_consent(context)
    assert again["c"] == {"analytics": 1, "advertising": 0, "social": 0, "embedded": 0}
    # Past the re-prompt period (6 months) everything is asked again.
    again["t"] -= 7 * 2629800000
    context.add_cookies(
        [{"name": "troth_consent", "value": urllib.parse.quote(json.dumps(again)), "url": live}]
    )
    page.reload()
    page.get_by_role("dialog", name="Cookies at Demo Shop").wait_for()
    page.wait_for_timeout(200)
    assert ran(page) == {}


def test_banner_and_preferences_have_no_serious_accessibility_violation(
    browser: Any, live: str, axe_source: str
) -> None:
    ctx = browser.new_context(bypass_csp=True)  # only so the test can inject axe
    try:
        page = ctx.new_page()
        page.goto(f"{live}/demo/")
        page.get_by_role("dialog", name="Cookies at Demo Shop").wait_for()
        page.add_script_tag(content=axe_source)
        audit = "async (sel) => (await axe.run(sel)).violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
        assert page.evaluate(audit, ".troth-bar") == []
        page.get_by_role("button", name="Customise").click()
        assert page.evaluate(audit, ".troth-prefs") == []
        assert page.evaluate(audit, ".troth-ph") == []
    finally:
        ctx.close()
