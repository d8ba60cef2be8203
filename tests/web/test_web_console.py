"""The admin console: login with argon2 passwords, cookies, CSRF, rate limiting, tokens, outbox, audit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from troth.mail import deliver_due, enqueue_message
from troth.settings import Settings
from troth.web import Runtime, create_app
from troth.web._accounts import create_login_link, create_user

PASSWORD = "correct horse battery staple"


def test_login_sets_a_safe_session_cookie_and_opens_the_dashboard(app_client, users, log_in, csrf_of):
    answer = log_in(app_client, users["auditor"])
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("troth_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # base_url is plain http here
    dashboard = app_client.get("/admin")
    assert dashboard.status_code == 200 and "<h1>Dashboard</h1>" in dashboard.text
    assert "auditor-user (auditor)" in dashboard.text
    assert dashboard.headers["x-frame-options"] == "DENY"
    assert 'href="/admin/audit"' in dashboard.text and 'href="/admin/policy"' in dashboard.text
    # an auditor may read the audit log but not the outbox or tokens
    assert app_client.get("/admin/audit").status_code == 200
    assert app_client.get("/admin/outbox").status_code == 403
    logout = app_client.post(
        "/admin/logout", data={"csrf_token": csrf_of(dashboard.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_cookies_are_secure_when_served_over_https(declaration_file, log_in):
    settings = Settings.for_declaration(
        declaration_file, secret_key="s" * 48, base_url="https://privacy.example.com"
    )
    runtime = Runtime.start(settings)
    with runtime.sessions.begin() as session:
        create_user(session, name="ana", role="admin", password=PASSWORD)
    client = TestClient(create_app(runtime), base_url="https://privacy.example.com")
    answer = log_in(client, "ana")
    assert answer.status_code == 303
    cookies = answer.headers.get_list("set-cookie")
    assert all("Secure" in header for header in cookies)
    runtime.sessions.kw["bind"].dispose()


def test_every_console_form_needs_its_csrf_token(app_client, users, log_in):
    log_in(app_client, users["admin"])
    page = app_client.get("/admin/tokens")
    assert page.text.count('name="csrf_token"') >= 2  # create form and logout form
    forged = app_client.post("/admin/tokens", data={"name": "x", "role": "agent"})
    assert forged.status_code == 403 and "csrf_failed" in forged.text
    wrong = app_client.post("/admin/tokens", data={"name": "x", "role": "agent", "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    no_login_csrf = app_client.post("/admin/login", data={"name": "admin-user", "password": PASSWORD})
    assert no_login_csrf.status_code == 403


def test_tokens_are_shown_once_and_work_as_bearer(app_client, users, log_in, csrf_of):
    log_in(app_client, users["admin"])
    token = csrf_of(app_client.get("/admin/tokens").text)
    created = app_client.post("/admin/tokens", data={"name": "ci", "role": "agent", "csrf_token": token})
    assert created.status_code == 200
    clear = created.text.split('id="new-token">')[1].split("<")[0]
    assert clear.startswith("troth_")
    assert clear not in app_client.get("/admin/tokens").text  # never shown again
    who = app_client.get("/api/v1/admin/whoami", headers={"Authorization": f"Bearer {clear}"}, cookies={})
    assert who.json() == {"name": "ci", "role": "agent", "kind": "token"}
    # an admin cannot mint an owner token
    owner = app_client.post("/admin/tokens", data={"name": "root", "role": "owner", "csrf_token": token})
    assert owner.status_code == 403


def test_failed_logins_are_rate_limited(app_client, users, log_in):
    for _ in range(5):
        assert log_in(app_client, users["owner"], "wrong password!").status_code == 401
    blocked = log_in(app_client, users["owner"])  # even the right password waits now
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert log_in(app_client, users["agent"]).status_code == 303  # another account is not blocked


def test_a_login_link_works_once(app_client, runtime, log_in):
    with runtime.sessions.begin() as session:
        user = create_user(session, name="newcomer", role="agent")
        token = create_login_link(session, user)
    first = app_client.get(f"/admin/login/{token}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/admin"
    app_client.cookies.clear()
    second = app_client.get(f"/admin/login/{token}", follow_redirects=False)
    assert second.status_code == 401 and "expired or was used" in second.text
    assert log_in(app_client, "newcomer", "").status_code in (401, 422)  # no password set


def test_owner_manages_users_and_the_outbox_lists_eml_files(app_client, runtime, users, log_in, csrf_of):
    with runtime.sessions.begin() as session:
        enqueue_message(
            session, settings=runtime.settings, to="ana@example.com", subject="Your code", text="123"
        )
    assert deliver_due(runtime.sessions, runtime.settings).sent == 1
    assert len(list(runtime.settings.outbox_dir.glob("*.eml"))) == 1
    log_in(app_client, users["owner"])
    outbox = app_client.get("/admin/outbox")
    assert "Your code" in outbox.text and "status-sent" in outbox.text and ".eml" in outbox.text
    assert "123" in app_client.get("/admin/outbox/1").text
    page = app_client.get("/admin/users")
    created = app_client.post(
        "/admin/users",
        data={"name": "bea", "role": "agent", "password": "", "csrf_token": csrf_of(page.text)},
    )
    assert created.status_code == 200 and "/admin/login/" in created.text
    audit = app_client.get("/admin/audit?action=user.")
    assert "user.create" in audit.text and "admin.login" not in audit.text
