"""The lifecycle a person and staff go through: submit, verify, approve, run, complete — or not."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from troth import ConflictError, RateLimitedError
from troth.dsr.requests import (
    DsrRequest,
    RecipientTask,
    RequestContext,
    State,
    add_note,
    approve,
    check_code,
    close_task,
    deny,
    extend,
    get_request,
    read_archive,
    register_steps,
    rerun,
    submit,
)
from troth.jobs import InlineWorker, JobStep, StepRegistry


def _code(body: str) -> str:
    found = re.search(r"^\s+(\d{6})$", body, re.M)
    assert found, body
    return found.group(1)


def _worker(
    sessions: sessionmaker[Session], ctx: RequestContext, executor: Any
) -> tuple[InlineWorker, RequestContext]:
    registry = StepRegistry()
    worker = InlineWorker(sessions, registry, threads=1, sweep_every=0.1)
    live = RequestContext(ctx.settings, ctx.declaration, dispatcher=worker)
    register_steps(registry, lambda: live, executor)
    return worker.start(), live


def _submit(sessions: sessionmaker[Session], ctx: RequestContext, kind: str, email: str, **kw: Any) -> str:
    with sessions.begin() as session:
        return submit(session, ctx, kind=kind, email=email, jurisdiction="gdpr", **kw).request.id


def _verify(sessions: sessionmaker[Session], ctx: RequestContext, request_id: str, code: str) -> str:
    with sessions.begin() as session:
        return check_code(session, ctx, get_request(session, request_id), purpose="subject", code=code).status


def _state(sessions: sessionmaker[Session], request_id: str) -> DsrRequest:
    with sessions() as session:
        return get_request(session, request_id)


def test_access_request_from_submission_to_download(
    store_url: str, settings: Any, ctx: RequestContext, outbox: Any, executor: Any
) -> None:
    from troth.store import open_store

    settings.database_url = store_url
    sessions = open_store(settings)
    worker, live = _worker(sessions, ctx, executor)
    try:
        request_id = _submit(sessions, live, "access", "Ana@Example.com", client="203.0.113.9")
        assert _state(sessions, request_id).state == State.VERIFYING
        with sessions() as session:
            from troth.mail import OutboxMessage

            sent = session.scalars(
                select(OutboxMessage).where(OutboxMessage.to_addr == "ana@example.com")
            ).all()
        assert [m.kind for m in sent] == ["dsr_code"]
        assert "/privacy-center/verify/" + request_id in sent[0].text_body
        assert _verify(sessions, live, request_id, _code(sent[0].text_body)) == "ok"
        # the demo auto-approves access: the worker carries it out with no one in the loop
        assert worker.wait_idle(10)
        request = _state(sessions, request_id)
        assert request.state == State.COMPLETED
        assert request.approved_by == "auto-approve"
        assert executor.runs == [(request_id, "access")]
        data = b"".join(read_archive(sessions, settings.secret_key, request_id))
        assert "ana@example.com" in zipfile.ZipFile(io.BytesIO(data)).read("data.json").decode()
        with sessions() as session:
            from troth.mail import OutboxMessage

            kinds = list(
                session.scalars(select(OutboxMessage.kind).where(OutboxMessage.to_addr == "ana@example.com"))
            )
        assert kinds == ["dsr_code", "dsr_received", "dsr_completed"]
    finally:
        worker.stop()
        sessions.kw["bind"].dispose()


def test_five_wrong_codes_lock_the_request(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    request_id = _submit(sessions, ctx, "access", "bo@example.com")
    code = _code(outbox("bo@example.com")[0].text_body)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    results = [_verify(sessions, ctx, request_id, wrong) for _ in range(5)]
    assert results == ["wrong"] * 4 + ["locked"]
    assert _verify(sessions, ctx, request_id, code) == "locked"  # even the right code, now
    request = _state(sessions, request_id)
    assert (request.state, request.denied_reason) == (State.EXPIRED, "locked after too many wrong codes")


def test_an_expired_code_is_refused(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    from troth.dsr.requests import Verification

    request_id = _submit(sessions, ctx, "access", "cy@example.com")
    with sessions.begin() as session:
        session.execute(
            update(Verification).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert _verify(sessions, ctx, request_id, _code(outbox("cy@example.com")[0].text_body)) == "expired"
    assert _state(sessions, request_id).state == State.VERIFYING


def test_submissions_are_rate_limited_per_address_and_per_client(
    sessions: sessionmaker[Session], ctx: RequestContext
) -> None:
    for _ in range(3):
        _submit(sessions, ctx, "access", "dee@example.com")
    with pytest.raises(RateLimitedError, match="this address"):
        _submit(sessions, ctx, "access", "DEE@example.com")
    for n in range(10):
        _submit(sessions, ctx, "access", f"p{n}@example.com", client="198.51.100.7")
    with pytest.raises(RateLimitedError, match="network address"):
        _submit(sessions, ctx, "access", "p99@example.com", client="198.51.100.7")


def test_erasure_waits_for_every_recipient_task(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any, executor: Any
) -> None:
    worker, live = _worker(sessions, ctx, executor)
    try:
        request_id = _submit(sessions, live, "erasure", "eve@example.com")
        assert _verify(sessions, live, request_id, _code(outbox("eve@example.com")[0].text_body)) == "ok"
        assert _state(sessions, request_id).state == State.VERIFIED  # erasure is not auto-approved
        with sessions.begin() as session:
            approve(session, live, get_request(session, request_id), actor="agent:sam")
        assert worker.wait_idle(10)
        assert _state(sessions, request_id).state == State.RUNNING
        with sessions() as session:
            tasks = session.scalars(select(RecipientTask).where(RecipientTask.request_id == request_id)).all()
        # recipients receiving the categories erased (email, name) are told; none has a webhook in the demo
        assert {t.recipient_id for t in tasks} >= {"payments", "hosting", "mailer"}
        assert {t.channel for t in tasks} == {"manual"}
        with sessions.begin() as session:
            request = get_request(session, request_id)
            for task in tasks[:-1]:
                close_task(session, live, request, task.id, actor="agent:sam")
            assert request.state == State.RUNNING
            with pytest.raises(ConflictError, match="needs a reason"):
                close_task(session, live, request, tasks[-1].id, actor="agent:sam", waive_reason=" ")
            close_task(
                session, live, request, tasks[-1].id, actor="agent:sam", waive_reason="no longer a customer"
            )
            assert request.state == State.COMPLETED
        report = outbox("eve@example.com")[-1]
        assert report.kind == "dsr_completed"
        assert "customer: 1 row deleted" in report.text_body
        assert "invoice: kept 10 years (tax law)" in report.text_body
    finally:
        worker.stop()


def test_a_failed_run_is_resumed_by_a_rerun(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any, executor: Any
) -> None:
    from troth.jobs import _runner

    executor.failures_left = _runner.MAX_ATTEMPTS
    registry = StepRegistry()
    register_steps(registry, lambda: ctx, executor)
    request_id = _submit(sessions, ctx, "erasure", "fay@example.com")
    _verify(sessions, ctx, request_id, _code(outbox("fay@example.com")[0].text_body))
    with sessions.begin() as session:
        approve(session, ctx, get_request(session, request_id), actor="agent:sam")
    for _ in range(_runner.MAX_ATTEMPTS):
        with sessions.begin() as session:
            step = session.scalars(select(JobStep)).one()
            step.run_after = dt.datetime.now(dt.UTC)
        _runner.run_step(sessions, registry, step.id)
    request = _state(sessions, request_id)
    assert (request.state, request.error) == (State.FAILED, "ConnectionError: the shop database went away")
    with sessions.begin() as session:
        rerun(session, ctx, get_request(session, request_id), actor="admin:ada")
    assert _runner.run_step(sessions, registry, step.id)
    assert _state(sessions, request_id).state == State.RUNNING  # now waiting on recipient tasks
    assert len(executor.runs) == _runner.MAX_ATTEMPTS + 1


def test_staff_deny_extend_and_note(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any
) -> None:
    request_id = _submit(sessions, ctx, "erasure", "gus@example.com")
    with sessions.begin() as session:
        request = get_request(session, request_id)
        with pytest.raises(ConflictError, match="it cannot become approved"):
            approve(session, ctx, request, actor="agent:sam")
        received = request.due_on
        extend(session, ctx, request, actor="agent:sam", reason="several linked accounts to check")
        assert request.due_on == request.longest_due_on > received
        with pytest.raises(ConflictError, match="already due"):
            extend(session, ctx, request, actor="agent:sam", reason="again")
        add_note(session, ctx, request, actor="agent:sam", body="called the customer")
        with pytest.raises(ConflictError, match="needs a reason"):
            deny(session, ctx, request, actor="agent:sam", reason="")
        deny(session, ctx, request, actor="agent:sam", reason="we hold no account for this address")
        assert request.state == State.DENIED
    kinds = [m.kind for m in outbox("gus@example.com")]
    assert kinds == ["dsr_code", "dsr_extended", "dsr_denied"]
    assert "we hold no account for this address" in outbox("gus@example.com")[-1].text_body


def test_requests_must_be_offered_for_the_jurisdiction(
    sessions: sessionmaker[Session], ctx: RequestContext
) -> None:
    with sessions.begin() as session:
        with pytest.raises(ConflictError, match="not offered under gdpr"):
            submit(session, ctx, kind="opt_out_sale_share", email="a@example.com", jurisdiction="gdpr")
        with pytest.raises(ConflictError, match="choose one of: ccpa, gdpr, uk_gdpr"):
            submit(session, ctx, kind="access", email="a@example.com", jurisdiction="lgpd")
        with pytest.raises(ConflictError, match="needs the corrections"):
            submit(session, ctx, kind="rectification", email="a@example.com", jurisdiction="gdpr")
        ccpa = submit(
            session, ctx, kind="opt_out_sale_share", email="a@example.com", jurisdiction="ccpa"
        ).request
        assert ccpa.acknowledge_by is not None
        assert (ccpa.due_on - ccpa.received_at.date()).days == 45


def test_a_request_completes_once_when_a_stalled_worker_wakes_up_late(
    sessions: sessionmaker[Session], ctx: RequestContext, outbox: Any, executor: Any
) -> None:
    """Worker 1 stalls mid-export past its lease; worker 2 takes over and completes; worker 1's finish is refused."""
    import threading

    from troth.audit import AuditEvent
    from troth.dsr.requests import RequestResult
    from troth.jobs import _runner
    from troth.store import utcnow

    stalled, resume = threading.Event(), threading.Event()
    real_run = executor.run

    def slow_first(**kwargs: Any) -> Any:
        if not stalled.is_set():
            stalled.set()
            resume.wait(10)
        return real_run(**kwargs)

    executor.run = slow_first
    registry = StepRegistry()
    register_steps(registry, lambda: ctx, executor)
    request_id = _submit(sessions, ctx, "access", "hal@example.com")
    _verify(sessions, ctx, request_id, _code(outbox("hal@example.com")[0].text_body))  # auto-approved
    with sessions() as session:
        step_id = session.scalars(select(JobStep.id).where(JobStep.kind == "dsr.execute")).one()
    first = threading.Thread(target=_runner.run_step, args=(sessions, registry, step_id))
    first.start()
    assert stalled.wait(10)
    with sessions.begin() as session:
        session.execute(update(JobStep).values(lease_expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert _runner.run_step(sessions, registry, step_id)  # worker 2
    resume.set()
    first.join(10)
    assert len(executor.runs) == 2  # both exported (idempotent) ...
    with sessions() as session:  # ... but the request completed once
        assert get_request(session, request_id).state == State.COMPLETED
        assert len(session.scalars(select(RequestResult)).all()) == 1
        completions = session.scalars(select(AuditEvent).where(AuditEvent.action == "request.complete")).all()
        assert len(completions) == 1
    assert [m.kind for m in outbox("hal@example.com")].count("dsr_completed") == 1
