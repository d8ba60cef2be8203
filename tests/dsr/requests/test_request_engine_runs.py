"""Requests carried out by the real engine against the demo shop (SQLite)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from troth.dsr.requests import (
    RecipientTask,
    State,
    approve,
    check_code,
    get_request,
    read_archive,
    submit,
)
from troth.dsr.requests._desk import RequestDesk


def _run(
    sessions: sessionmaker[Session], settings: Any, declaration: Any, kind: str, email: str
) -> tuple[RequestDesk, str]:
    desk = RequestDesk(settings, sessions, lambda: declaration, threads=1).start()
    ctx = desk.context()
    with sessions.begin() as session:
        submission = submit(session, ctx, kind=kind, email=email, jurisdiction="gdpr")
        check_code(session, ctx, submission.request, purpose="subject", code=submission.codes["subject"])
        if submission.request.state == State.VERIFIED:
            approve(session, ctx, submission.request, actor="agent:sam")
    assert desk.worker is not None and desk.worker.wait_idle(20)
    return desk, submission.request.id


def test_an_access_request_exports_the_persons_demo_data(
    sessions: sessionmaker[Session], settings: Any, shop_demo: Any
) -> None:
    declaration, _shop = shop_demo
    desk, request_id = _run(sessions, settings, declaration, "access", "ann@example.org")
    try:
        with sessions() as session:
            assert get_request(session, request_id).state == State.COMPLETED
        archive = zipfile.ZipFile(
            io.BytesIO(b"".join(read_archive(sessions, settings.secret_key, request_id)))
        )
        assert {"data.json", "index.html", "manifest.json"} <= set(archive.namelist())
        data = archive.read("data.json").decode()
        assert "Ann Example" in data and "Bob Sample" not in data
        assert json.loads(archive.read("manifest.json"))
        preview = desk.executor.preview({"email": "ann@example.org"})
        assert "customer" in preview
    finally:
        desk.stop()


def test_an_erasure_removes_the_rows_and_reports_what_was_kept(
    sessions: sessionmaker[Session], settings: Any, shop_demo: Any
) -> None:
    declaration, shop = shop_demo
    desk, request_id = _run(sessions, settings, declaration, "erasure", "bob@example.com")
    desk.stop()
    with shop.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM customer WHERE email = 'bob@example.com'")).scalar()
            == 0
        )
        assert (
            connection.execute(text("SELECT count(*) FROM customer WHERE email = 'ann@example.org'")).scalar()
            == 1
        )
    with sessions() as session:
        request = get_request(session, request_id)
        assert request.state == State.RUNNING  # the processors still have to be told
        tasks = session.scalars(select(RecipientTask).where(RecipientTask.request_id == request_id)).all()
        assert tasks and all(t.channel == "manual" for t in tasks)
        from troth.dsr.requests import RequestResult

        report = session.get(RequestResult, request_id)
        assert report is not None and report.report is not None
        assert any("deleted" in line for line in report.report["lines"])
        assert any("invoice" in line and "kept" in line for line in report.report["kept"])
