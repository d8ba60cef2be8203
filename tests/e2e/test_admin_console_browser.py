"""In headless Chromium: an admin logs in, sees the dashboard, and reads the policy diff after an edit.

One live troth (uvicorn in a thread, SQLite) serves a copy of the demo declaration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_support import free_port, serving

from troth.settings import Settings
from troth.web import Runtime, create_app
from troth.web._accounts import create_user

pytestmark = pytest.mark.browser
PASSWORD = "a long admin passphrase"


@dataclass
class Live:
    url: str
    runtime: Runtime
    declaration: Path


@pytest.fixture
def live(declaration_file: Path) -> Iterator[Live]:
    port = free_port()
    settings = Settings.for_declaration(
        declaration_file, secret_key="e2e-" + "s" * 44, base_url=f"http://127.0.0.1:{port}"
    )
    runtime = Runtime.start(settings)
    with runtime.sessions.begin() as session:
        create_user(session, name="ada", role="admin", password=PASSWORD)
    with serving(create_app(runtime, background=True), port) as url:
        yield Live(url, runtime, declaration_file)
    runtime.sessions.kw["bind"].dispose()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_admin_logs_in_and_reads_the_policy_diff(live: Live, page: Any) -> None:
    page.goto(f"{live.url}/admin/policy")
    assert page.url.startswith(f"{live.url}/admin/login")  # sent to log in first
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", "not the passphrase")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Wrong name or password."
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/admin/policy")
    page.click("text=Dashboard")
    page.wait_for_url(f"{live.url}/admin")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert "ada (admin)" in page.locator("nav").inner_text()
    assert "In force: 1.0" in page.locator("#policy-card").inner_text()

    # the site's operator edits the declaration: a new use of data (material) and new wording
    text = live.declaration.read_text()
    text = text.replace(
        "categories: [identity.name, contact.email, content.messages]",
        "categories: [identity.name, contact.email, content.messages, device.ip_address]",
    ).replace('version: "1.0"', 'version: "1.1"')
    live.declaration.write_text(text)
    assert live.runtime.reload(actor="user:ada").published_version == 2

    page.click("text=Policy")
    page.wait_for_url(f"{live.url}/admin/policy")
    page.click("text=material diff")
    page.wait_for_url(f"{live.url}/privacy/diff?from=1&to=2")
    assert "What changed from version 1.0 to 1.1" in page.locator("h1").inner_text()
    changes = page.locator("#changes li.material").all_inner_texts()
    assert "Material: Answering your questions: now also uses IP address" in changes
    assert page.locator("#text-diff ins").count() >= 1
