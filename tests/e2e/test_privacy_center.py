"""The privacy center end to end, in real headless Chromium, on the demo shop.

One live troth (uvicorn in a thread; SQLite store; the demo shop in SQLite)
sends its mail through a real SMTP server (aiosmtpd) on loopback. Visitors
and an agent use separate browser contexts; the in-process worker carries
requests out against the demo shop's database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from e2e_support import axe_script, free_port, serving
from sqlalchemy import create_engine, text, update
from sqlalchemy.orm import Session, sessionmaker

from troth.mail import OutboxSender
from troth.settings import Settings
from troth.web._accounts import create_user
from troth.web._app import create_app
from troth.web._runtime import Runtime

pytestmark = [pytest.mark.browser, pytest.mark.smtp]

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
SERIOUS = (
    "async () => (await axe.run(document)).violations"
    ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
)
PASSWORD = "agent password for the e2e test"


@dataclass
class Live:
    url: str
    sessions: sessionmaker[Session]
    shop_url: str
    smtp: Any

    def mail_to(self, address: str, count: int, timeout: float = 15) -> Message:
        """The `count`-th email received by `address` (waiting for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.smtp.messages if address in m["To"]]
            if len(found) >= count:
                return found[count - 1]  # type: ignore[no-any-return]
            time.sleep(0.05)
        raise AssertionError(
            f"no email #{count} for {address}; got {[m['Subject'] for m in self.smtp.messages]}"
        )


def _body(message: Message) -> str:
    part = message.get_payload(0) if message.is_multipart() else message
    assert isinstance(part, Message)
    return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]


def _code(message: Message) -> str:
    found = re.search(r"^\s+(\d{6})\s*$", _body(message), re.M)
    assert found, _body(message)
    return found.group(1)


def _load_shop(url: str) -> None:
    engine = create_engine(url)
    body = "\n".join(
        line for line in (DEMO / "shop.sql").read_text().splitlines() if not line.lstrip().startswith("--")
    )
    with engine.begin() as connection:
        for statement in (s.strip() for s in re.split(r";\s*\n", body) if s.strip()):
            if not statement.upper().startswith("ALTER TABLE"):
                connection.exec_driver_sql(statement.rstrip(";"))
    engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as Collect

    received: list[Any] = []

    class Inbox(Collect):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            received.append(message)

    smtp_port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    state = tmp_path_factory.mktemp("troth-e2e")
    shop_url = f"sqlite:///{state / 'shop.db'}"
    _load_shop(shop_url)
    declaration = state / "troth.yaml"
    source = (
        (DEMO / "troth.yaml").read_text().replace("auto_approve: [access, portability]", "auto_approve: []")
    )
    declaration.write_text(
        source.replace("\ninclude: [datasets.yaml]\n", "\n" + (DEMO / "datasets.yaml").read_text() + "\n")
    )
    port = free_port()
    settings = Settings.for_declaration(
        declaration,
        secret_key="e2e-requests-secret-key-0123456789abcdef",
        base_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_starttls=False,
        mail_from="privacy@demo-shop.example.com",
    )
    environment = pytest.MonkeyPatch()
    environment.setenv("DEMO_SHOP_DATABASE_URL", shop_url)
    runtime = Runtime.start(settings)
    with runtime.sessions.begin() as session:
        create_user(session, name="sam", role="agent", password=PASSWORD)
    app = create_app(runtime)
    from troth.dsr._center_routes import admin_router, router

    if not any(getattr(r, "path", "") == "/privacy-center" for r in app.routes):
        app.include_router(router)
        app.include_router(admin_router)
    sender = OutboxSender(runtime.sessions, settings, interval=0.1)
    sender.start()
    with serving(app, port) as url:
        yield Live(url, runtime.sessions, shop_url, type("Smtp", (), {"messages": received})())
    sender.stop()
    controller.stop()
    environment.undo()


@pytest.fixture
def visitor(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def agent(browser: Any, live: Live) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/admin/login")
    page.fill("input[name=name]", "sam")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    yield page
    context.close()


def _submit(page: Any, live: Live, kind_label: str, email: str) -> str:
    page.goto(f"{live.url}/privacy-center")
    page.get_by_label("United Kingdom (UK GDPR)").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(kind_label).check()
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r".*/verify\?s="))
    found = re.search(r"/requests/(\w+)/verify", page.url)
    assert found
    return found.group(1)


def _verify(page: Any, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()


def _approve(agent: Any, live: Live, request_id: str) -> None:
    agent.goto(f"{live.url}/admin/requests")
    agent.get_by_role("link", name=request_id).click()
    agent.get_by_role("button", name="Approve").click()
    agent.wait_for_load_state()


def _wait_for(page: Any, state: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while page.locator("#state").get_attribute("data-state") != state:
        assert time.monotonic() < deadline, f"the request never became {state}"
        time.sleep(0.2)
        page.reload()


def test_access_code_by_mail_agent_approves_worker_runs_visitor_downloads(
    visitor: Any, agent: Any, live: Live
) -> None:
    request_id = _submit(visitor, live, "Access the personal data held about you", "ann@example.org")
    _verify(visitor, _code(live.mail_to("ann@example.org", 1)))
    assert visitor.locator("#state").get_attribute("data-state") == "verified"
    _approve(agent, live, request_id)
    _wait_for(visitor, "completed")
    status_url = visitor.url
    visitor.get_by_role("button", name="Email me a code to download").click()
    visitor.get_by_label("Code").fill(
        _code(live.mail_to("ann@example.org", 4))
    )  # code, received, completed, download
    with visitor.expect_download() as download:
        visitor.get_by_role("button", name="Download").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("data.json"))
    flat = json.dumps(data)
    assert "Ann Example" in flat and "1 Acacia Avenue" in flat and "Bob Sample" not in flat
    # the link expires: the status page then refuses the download
    from troth.dsr.requests import RequestResult

    with live.sessions.begin() as session:
        session.execute(
            update(RequestResult).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    visitor.goto(status_url)
    assert "The download has expired" in visitor.content()
    token = re.search(r"s=(\w+)", status_url)
    assert token
    refused = visitor.request.post(
        f"{live.url}/privacy-center/requests/{request_id}/download", form={"s": token.group(1)}
    )
    assert refused.status == 409 and "expired" in refused.text()


def test_erasure_removes_the_demo_rows_and_mails_a_report(visitor: Any, agent: Any, live: Live) -> None:
    request_id = _submit(visitor, live, "Have your data deleted", "bob@example.com")
    _verify(visitor, _code(live.mail_to("bob@example.com", 1)))
    _approve(agent, live, request_id)
    deadline = time.monotonic() + 20
    while agent.get_by_role("button", name="Done").count() == 0:
        assert time.monotonic() < deadline, "no recipient tasks appeared"
        time.sleep(0.2)
        agent.reload()
    while agent.get_by_role("button", name="Done").count():
        agent.get_by_role("button", name="Done").first.click()
        agent.wait_for_load_state()
    assert agent.locator("#state").inner_text() == "completed"
    report = _body(live.mail_to("bob@example.com", 3))  # code, received, report
    assert "shop.customer: 1 deleted" in report
    assert "shop.invoice: 1 kept until" in report and "Tax law" in report
    engine = create_engine(live.shop_url)
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM customer WHERE email = 'bob@example.com'")).scalar()
            == 0
        )
        assert (
            connection.execute(text("SELECT count(*) FROM customer WHERE email = 'ann@example.org'")).scalar()
            == 1
        )
    engine.dispose()
    _wait_for(visitor, "completed", timeout=1)


def test_five_wrong_codes_lock_the_request(visitor: Any, live: Live) -> None:
    _submit(visitor, live, "Have your data deleted", "dan@example.com")
    code = _code(live.mail_to("dan@example.com", 1))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        _verify(visitor, wrong)
        assert f"Attempts left: {left}." in visitor.content()
    _verify(visitor, wrong)
    assert "this request is locked" in visitor.content()
    assert visitor.get_by_label("Code").count() == 0


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_script()


def test_the_pages_have_no_serious_accessibility_violations(
    visitor: Any, live: Live, axe_source: str
) -> None:
    pages = [f"{live.url}/privacy-center", f"{live.url}/privacy-center?region=gdpr"]
    for url in pages:
        visitor.goto(url)
        visitor.add_script_tag(content=axe_source)
        assert visitor.evaluate(SERIOUS) == [], url
    _submit(visitor, live, "Access the personal data held about you", "eve@example.com")
    _verify(visitor, "000000")  # a wrong code: the page with its error message
    visitor.add_script_tag(content=axe_source)
    assert visitor.evaluate(SERIOUS) == [], visitor.url
