"""The privacy center, its API and the admin queue, over HTTP (no JavaScript involved)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from sqlalchemy import select, update

from troth.dsr.requests import DsrRequest, RequestResult
from troth.mail import OutboxMessage


def _mails(center: Any, to: str) -> list[OutboxMessage]:
    with center.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.to_addr == to).order_by(OutboxMessage.id)
            )
        )


def _code(center: Any, to: str) -> str:
    found = re.search(r"^\s+(\d{6})$", _mails(center, to)[-1].text_body, re.M)
    assert found
    return found.group(1)


def _submit(center: Any, email: str, kind: str = "access", region: str = "gdpr") -> tuple[str, str]:
    response = center.post(
        "/privacy-center/requests",
        data={"region": region, "kind": kind, "email": email},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    found = re.match(r"/privacy-center/requests/(\w+)/verify\?s=(\w+)", response.headers["location"])
    assert found
    return found.group(1), found.group(2)


def test_the_form_asks_where_then_offers_that_jurisdictions_rights(center: Any) -> None:
    first = center.get("/privacy-center")
    assert first.status_code == 200
    assert 'name="region"' in first.text and "California (CCPA/CPRA)" in first.text
    gdpr = center.get("/privacy-center?region=gdpr").text
    ccpa = center.get("/privacy-center?region=ccpa").text
    assert 'value="restriction"' in gdpr and 'value="opt_out_sale_share"' not in gdpr
    assert 'value="opt_out_sale_share"' in ccpa
    assert '<label for="email">' in gdpr and '<html lang="en">' in gdpr


def test_a_visitor_submits_verifies_and_downloads_without_javascript(center: Any) -> None:
    request_id, token = _submit(center, "ana@example.com")
    page = center.get(f"/privacy-center/requests/{request_id}/verify?s={token}")
    assert 'autocomplete="one-time-code"' in page.text
    wrong = center.post(f"/privacy-center/requests/{request_id}/verify", data={"s": token, "code": "000000x"})
    assert wrong.status_code == 400 and "Attempts left: 4" in wrong.text
    done = center.post(
        f"/privacy-center/requests/{request_id}/verify",
        data={"s": token, "code": _code(center, "ana@example.com")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert center.desk.worker.wait_idle(10)
    status = center.get(done.headers["location"])
    assert 'data-state="completed"' in status.text
    center.post(f"/privacy-center/requests/{request_id}/download", data={"s": token})
    archive = center.post(
        f"/privacy-center/requests/{request_id}/download/confirm",
        data={"s": token, "code": _code(center, "ana@example.com")},
    )
    assert archive.status_code == 200
    assert archive.headers["content-disposition"].startswith("attachment;")
    assert "ana@example.com" in zipfile.ZipFile(io.BytesIO(archive.content)).read("data.json").decode()
    with center.sessions.begin() as session:
        assert session.get(RequestResult, request_id).downloads == 1  # type: ignore[union-attr]
        session.execute(
            update(RequestResult).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    refused = center.post(f"/privacy-center/requests/{request_id}/download", data={"s": token})
    assert refused.status_code == 409 and "expired" in refused.text


def test_a_status_link_with_a_wrong_token_reveals_nothing(center: Any) -> None:
    request_id, _token = _submit(center, "bo@example.com")
    assert center.get(f"/privacy-center/requests/{request_id}?s=guess").status_code == 404
    assert center.get("/privacy-center/requests/RNOPE?s=guess").status_code == 404


def test_the_api_takes_requests_and_codes(center: Any) -> None:
    created = center.post(
        "/api/v1/requests", json={"kind": "erasure", "jurisdiction": "uk_gdpr", "email": "cy@example.com"}
    )
    assert created.status_code == 202, created.text
    body = created.json()
    assert body["state"] == "verifying"
    token = body["status_url"].rsplit("s=", 1)[1]
    wrong = center.post(
        f"/api/v1/requests/{body['id']}/verify", json={"status_token": token, "code": "999999x"}
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["message"] == "wrong code; 4 attempt(s) left"
    right = center.post(
        f"/api/v1/requests/{body['id']}/verify",
        json={"status_token": token, "code": _code(center, "cy@example.com")},
    )
    assert right.json()["state"] == "verified"
    assert center.get(f"/api/v1/requests/{body['id']}?token={token}").json()["state"] == "verified"
    refused = center.post(
        "/api/v1/requests", json={"kind": "access", "jurisdiction": "mars", "email": "a@b.example"}
    )
    assert refused.status_code == 409 and "choose one of" in refused.json()["error"]["message"]


def test_the_queue_sorts_by_due_date_highlights_overdue_and_acts(center: Any) -> None:
    auth = {"authorization": f"Bearer {center.agent}"}
    late_id, _ = _submit(center, "late@example.com", kind="erasure")
    soon_id, _ = _submit(center, "soon@example.com", kind="erasure")
    with center.sessions.begin() as session:
        today = dt.datetime.now(dt.UTC).date()
        session.execute(
            update(DsrRequest).where(DsrRequest.id == late_id).values(due_on=today - dt.timedelta(days=2))
        )
    queue = center.get("/admin/requests", headers=auth)
    assert queue.status_code == 200
    assert queue.text.index(late_id) < queue.text.index(soon_id)
    assert 'class="overdue"' in queue.text and "overdue" in queue.text
    only_overdue = center.get("/admin/requests?overdue=true", headers=auth).text
    assert late_id in only_overdue and soon_id not in only_overdue
    detail = center.get(f"/admin/requests/{late_id}", headers=auth)
    assert "late@example.com" in detail.text and "customers by email = late@example.com" in detail.text
    for action, data in (
        ("note", {"body": "asked for ID by phone"}),
        ("extend", {"reason": "account merge to check"}),
        ("deny", {"reason": "could not confirm the identity"}),
    ):
        response = center.post(
            f"/admin/requests/{late_id}/{action}", data=data, headers=auth, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    with center.sessions() as session:
        late = session.get(DsrRequest, late_id)
        assert late is not None
        assert (late.state, late.extension_reason) == ("denied", "account merge to check")
    again = center.post(f"/admin/requests/{late_id}/approve", headers=auth)
    assert again.status_code == 409


def test_the_queue_needs_the_agent_role(center: Any) -> None:
    assert center.get("/admin/requests", headers={"accept": "application/json"}).status_code == 401
    denied = center.get("/admin/requests", headers={"authorization": f"Bearer {center.auditor}"})
    assert denied.status_code == 403
    key = center.get("/admin/requests/integration", headers={"authorization": f"Bearer {center.agent}"})
    assert key.status_code == 403  # the assertion key is for admins


def test_pages_speak_the_declarations_languages(center: Any) -> None:
    runtime = center.app.state.runtime
    path = runtime.settings.declaration_path
    path.write_text(path.read_text().replace("  languages: [en]\n", "  languages: [en, de]\n"))
    runtime.reload()
    german = center.get("/privacy-center?region=gdpr", headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.text and "Datenschutz-Center" in german.text
    assert "Ihre E-Mail-Adresse" in german.text
    english = center.get("/privacy-center?region=gdpr&lang=en", headers={"accept-language": "de"})
    assert '<html lang="en">' in english.text and "Your email address" in english.text
    french = center.get("/privacy-center?region=gdpr", headers={"accept-language": "fr"})
    assert '<html lang="en">' in french.text  # French is not among the declaration's languages


def test_an_authorized_agent_submits_with_the_signed_permission(center: Any) -> None:
    form = {"region": "ccpa", "kind": "erasure", "email": "dee@example.com", "is_agent": "1"}
    form |= {"agent_name": "Rights Co", "agent_email": "agent@rights.example"}
    refused = center.post("/privacy-center/requests", data=form)
    assert refused.status_code == 409 and "signed permission document" in refused.text
    assert 'value="Rights Co"' in refused.text  # what was typed is kept
    accepted = center.post(
        "/privacy-center/requests",
        data=form,
        files={"permission": ("permission.pdf", b"%PDF-1.4 signed by Dee", "application/pdf")},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert [m.kind for m in _mails(center, "agent@rights.example")] == ["dsr_agent"]
    assert [m.kind for m in _mails(center, "dee@example.com")] == ["dsr_code"]
    request_id = accepted.headers["location"].split("/")[3]
    document = center.get(
        f"/admin/requests/{request_id}/agent-document", headers={"authorization": f"Bearer {center.agent}"}
    )
    assert document.content == b"%PDF-1.4 signed by Dee"


def test_staff_record_a_request_received_by_post_and_vouch_for_the_identity(center: Any) -> None:
    auth = {"authorization": f"Bearer {center.agent}"}
    form = {"kind": "erasure", "email": "gil@example.com", "jurisdiction": "uk_gdpr", "channel": "post"}
    vouched = center.post(
        "/admin/requests/new", data=form | {"verified": "1"}, headers=auth, follow_redirects=False
    )
    unvouched = center.post("/admin/requests/new", data=form, headers=auth, follow_redirects=False)
    assert vouched.status_code == unvouched.status_code == 303
    with center.sessions() as session:
        first = session.get(DsrRequest, vouched.headers["location"].rsplit("/", 1)[1])
        second = session.get(DsrRequest, unvouched.headers["location"].rsplit("/", 1)[1])
        assert first is not None and second is not None
        assert (first.state, first.verification_method, first.source) == ("verified", "staff", "post")
        assert second.state == "verifying"  # the person confirms by the emailed code
