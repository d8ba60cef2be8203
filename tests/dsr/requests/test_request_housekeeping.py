"""The hourly round: unconfirmed requests expire, downloads are destroyed, staff reminded, records minimised."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from troth import ConflictError
from troth.dsr.requests import (
    ArchiveChunk,
    DsrRequest,
    Note,
    RequestContext,
    State,
    Verification,
    add_note,
    approve,
    deny,
    downloadable,
    get_request,
    housekeeping_round,
    read_archive,
    submit,
)
from troth.dsr.requests._results import CHUNK_BYTES, store_archive

NOW = dt.datetime.now(dt.UTC)


def _submit(sessions: sessionmaker[Session], ctx: RequestContext, email: str, kind: str = "erasure") -> str:
    with sessions.begin() as session:
        return submit(session, ctx, kind=kind, email=email, jurisdiction="gdpr").request.id


def test_unconfirmed_requests_expire_after_three_days(
    sessions: sessionmaker[Session], ctx: RequestContext
) -> None:
    old, fresh = _submit(sessions, ctx, "old@example.com"), _submit(sessions, ctx, "new@example.com")
    with sessions.begin() as session:
        session.execute(
            update(DsrRequest).where(DsrRequest.id == old).values(received_at=NOW - dt.timedelta(days=4))
        )
        assert housekeeping_round(session, ctx).expired == 1
    with sessions() as session:
        assert get_request(session, old).state == State.EXPIRED
        assert get_request(session, fresh).state == State.VERIFYING


def test_archives_are_chunked_sealed_and_destroyed_on_expiry(
    sessions: sessionmaker[Session], ctx: RequestContext, tmp_path: Path
) -> None:
    request_id = _submit(sessions, ctx, "ana@example.com", kind="access")
    archive = tmp_path / "export.zip"
    payload = b"ana@example.com," * (CHUNK_BYTES // 7)  # two and a bit chunks
    archive.write_bytes(payload)
    with sessions.begin() as session:
        result = store_archive(session, ctx.secret, request_id, archive, report={})
        assert result.size == len(payload)
        chunks = list(session.scalars(select(ArchiveChunk.data).where(ArchiveChunk.request_id == request_id)))
    assert len(chunks) == 3
    assert all(b"ana@example.com" not in chunk for chunk in chunks)  # sealed at rest
    assert b"".join(read_archive(sessions, ctx.secret, request_id)) == payload
    with sessions.begin() as session:
        session.execute(update(ArchiveChunk).where(ArchiveChunk.seq == 0).values(seq=99))
        session.execute(update(ArchiveChunk).where(ArchiveChunk.seq == 1).values(seq=0))
    with pytest.raises(Exception, match="not where it belongs"):
        b"".join(read_archive(sessions, ctx.secret, request_id))
    with sessions.begin() as session:
        downloadable(session, request_id)
        from troth.dsr.requests import RequestResult

        session.execute(update(RequestResult).values(expires_at=NOW - dt.timedelta(minutes=1)))
        with pytest.raises(ConflictError, match="expired"):
            downloadable(session, request_id)
        assert housekeeping_round(session, ctx).destroyed == 1
        assert session.scalar(select(func.count()).select_from(ArchiveChunk)) == 0


def test_staff_are_reminded_once_a_day_of_requests_due_soon(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    from troth.dsr.requests import check_code

    with sessions.begin() as session:
        submission = submit(session, ctx, kind="erasure", email="due@example.com", jurisdiction="gdpr")
        check_code(session, ctx, submission.request, purpose="subject", code=submission.codes["subject"])
        submission.request.due_on = (NOW + dt.timedelta(days=3)).date()
    with sessions.begin() as session:
        assert housekeeping_round(session, ctx).reminded == 1
    with sessions.begin() as session:
        assert housekeeping_round(session, ctx).reminded == 0  # not again today
        assert housekeeping_round(session, ctx, now=NOW + dt.timedelta(days=1, hours=1)).reminded == 1
    reminders = outbox("privacy@demo-shop.example.com")
    assert len(reminders) == 2
    assert submission.request.id in reminders[0].text_body


def test_closed_requests_are_minimised_after_the_keeping_period(
    sessions: sessionmaker[Session], ctx: RequestContext
) -> None:
    request_id = _submit(sessions, ctx, "min@example.com")
    with sessions.begin() as session:
        request = get_request(session, request_id)
        add_note(session, ctx, request, actor="agent:sam", body="min@example.com called us")
        deny(session, ctx, request, actor="agent:sam", reason="duplicate of an earlier request")
    keep = ctx.declaration.rights.record_keeping.days
    with sessions.begin() as session:
        assert housekeeping_round(session, ctx, now=NOW + dt.timedelta(days=keep - 1)).minimised == 0
        assert housekeeping_round(session, ctx, now=NOW + dt.timedelta(days=keep + 1)).minimised == 1
    with sessions() as session:
        request = get_request(session, request_id)
        assert (
            request.identity_sealed is None and request.ip_hash is None and request.minimised_at is not None
        )
        assert request.identity_hash  # still answers "did this person ask before?"
        assert request.outcome == {"result": "denied", "reason": "duplicate of an earlier request"}
        assert session.scalar(select(func.count()).select_from(Note)) == 0
        assert session.scalar(select(func.count()).select_from(Verification)) == 0
    with sessions.begin() as session, pytest.raises(ConflictError):
        approve(session, ctx, get_request(session, request_id), actor="agent:sam")
