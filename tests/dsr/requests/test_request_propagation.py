"""Recipients with a webhook are told by a signed POST; the request completes when they answer."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from troth.dsr.requests import (
    RecipientTask,
    RequestContext,
    State,
    approve,
    check_code,
    get_request,
    register_steps,
    submit,
)
from troth.jobs import InlineWorker, StepRegistry

SECRET = "webhook-shared-secret"


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, Any], bool]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        stamp, _, mac = self.headers["X-Troth-Signature"].partition(",v1=")
        expected = hmac.new(SECRET.encode(), stamp.removeprefix("t=").encode() + b"." + body, hashlib.sha256)
        Hook.received.append((json.loads(body), hmac.compare_digest(mac, expected.hexdigest())))
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    Hook.received, Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/erase"
    server.shutdown()


def test_erasure_reaches_a_processor_by_signed_webhook(
    sessions: sessionmaker[Session],
    ctx: RequestContext,
    executor: Any,
    hook_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILER_WEBHOOK_SECRET", SECRET)
    from troth.declaration._sections import Webhook

    recipients = [
        r.model_copy(update={"erasure_webhook": Webhook(url=hook_url, secret_env="MAILER_WEBHOOK_SECRET")})
        if r.id == "mailer"
        else r
        for r in ctx.declaration.recipients
    ]
    declaration = ctx.declaration.model_copy(update={"recipients": recipients})
    registry = StepRegistry()
    worker = InlineWorker(sessions, registry, threads=2, sweep_every=0.1)
    live = RequestContext(ctx.settings, declaration, dispatcher=worker)
    register_steps(registry, lambda: live, executor)
    worker.start()
    try:
        with sessions.begin() as session:
            submission = submit(session, live, kind="erasure", email="ana@example.com", jurisdiction="gdpr")
            check_code(session, live, submission.request, purpose="subject", code=submission.codes["subject"])
            approve(session, live, submission.request, actor="agent:sam")
        assert worker.wait_idle(10)
    finally:
        worker.stop()
    assert Hook.received == [
        (
            {
                "request": submission.request.id,
                "action": "erasure",
                "identity": {"email": "ana@example.com"},
                "sent_at": Hook.received[0][0]["sent_at"],
            },
            True,
        )
    ]
    with sessions() as session:
        tasks = {t.recipient_id: (t.channel, t.state) for t in session.scalars(select(RecipientTask))}
        assert tasks["mailer"] == ("webhook", "done")
        assert tasks["hosting"] == ("manual", "open")
        assert get_request(session, submission.request.id).state == State.RUNNING


def test_a_webhook_that_keeps_failing_can_be_retried_from_the_queue(
    sessions: sessionmaker[Session],
    ctx: RequestContext,
    executor: Any,
    hook_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from troth.declaration._sections import Webhook
    from troth.dsr.requests import retry_task
    from troth.jobs import JobStep, _runner

    monkeypatch.setenv("MAILER_WEBHOOK_SECRET", SECRET)
    monkeypatch.setattr(_runner, "MAX_ATTEMPTS", 1)
    Hook.status = 503
    recipients = [
        r.model_copy(update={"erasure_webhook": Webhook(url=hook_url, secret_env="MAILER_WEBHOOK_SECRET")})
        if r.id == "mailer"
        else r
        for r in ctx.declaration.recipients
    ]
    live = RequestContext(ctx.settings, ctx.declaration.model_copy(update={"recipients": recipients}))
    registry = StepRegistry()
    register_steps(registry, lambda: live, executor)

    def run_due() -> None:
        with sessions() as session:
            due = list(session.scalars(select(JobStep.id).where(JobStep.state == "pending")))
        for step_id in due:
            _runner.run_step(sessions, registry, step_id)

    with sessions.begin() as session:
        submission = submit(session, live, kind="erasure", email="bo@example.com", jurisdiction="gdpr")
        check_code(session, live, submission.request, purpose="subject", code=submission.codes["subject"])
        approve(session, live, submission.request, actor="agent:sam")
    run_due()  # the erasure; it opens the tasks and enqueues the webhook
    run_due()  # the webhook answers 503: out of attempts
    with sessions() as session:
        task = session.scalars(select(RecipientTask).where(RecipientTask.recipient_id == "mailer")).one()
    assert (task.state, task.last_error) == (
        "failed",
        "webhook of Example Mail Inc. answered 503: ; dataset=mailer",
    )
    Hook.status = 200
    with sessions.begin() as session:
        retry_task(session, live, get_request(session, submission.request.id), task.id, actor="agent:sam")
    run_due()
    with sessions() as session:
        assert session.get(RecipientTask, task.id).state == "done"  # type: ignore[union-attr]
