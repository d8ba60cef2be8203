"""Telling a recipient (processor) to act too: a signed webhook the recipient implements.

    POST <erasure_webhook.url>
    X-Troth-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the shared secret>
    {"request": "R...", "action": "erasure", "identity": {"email": "..."}, "sent_at": "..."}

Any 2xx answer closes the task. Failures retry with backoff; after the last
one the task shows as failed in the admin queue, to retry or handle by hand.
The shared secret is read from the environment variable the declaration names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time

import httpx
from sqlalchemy.orm import Session

from troth import audit
from troth._errors import ConfigurationError, ConnectorError
from troth.dsr.requests._context import ContextProvider
from troth.dsr.requests._models import DsrRequest, RecipientTask
from troth.dsr.requests._review import OPEN_TASK_STATES
from troth.jobs import StepContext
from troth.store import utcnow

__all__ = ["SIGNATURE_HEADER", "propagate", "propagate_failed", "sign_body"]

SIGNATURE_HEADER = "X-Troth-Signature"
_TIMEOUT = 10.0


def sign_body(secret: str, body: bytes, *, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _task_of(session: Session, subject: str) -> tuple[DsrRequest, RecipientTask] | None:
    request_id, _, task_id = subject.partition(":")
    task = session.get(RecipientTask, int(task_id))
    request = session.get(DsrRequest, request_id)
    if task is None or request is None or task.request_id != request.id:
        return None
    return request, task


def propagate(context: StepContext, provide: ContextProvider) -> None:
    from troth.dsr.requests._execution import complete_if_done

    ctx = provide()
    with context.sessions.begin() as session:
        found = _task_of(session, context.subject)
        if found is None or found[1].state not in OPEN_TASK_STATES:
            return
        request, task = found
        identity = ctx.unseal(request.identity_sealed)
        action, recipient_id = task.action, task.recipient_id
    recipient = ctx.declaration.recipient(recipient_id)
    if recipient is None or recipient.erasure_webhook is None:
        raise ConfigurationError(
            f"recipient {recipient_id!r} has no erasure_webhook in the declaration any more"
        )
    webhook = recipient.erasure_webhook
    secret = os.environ.get(webhook.secret_env, "")
    if not secret:
        raise ConfigurationError(
            f"the webhook secret for recipient {recipient_id!r} is not set: export {webhook.secret_env}"
        )
    body = json.dumps(
        {"request": request.id, "action": action, "identity": identity, "sent_at": utcnow().isoformat()}
    ).encode()
    headers = {
        "content-type": "application/json",
        SIGNATURE_HEADER: sign_body(secret, body, timestamp=int(time.time())),
        "Idempotency-Key": context.subject,
    }
    try:
        response = httpx.post(str(webhook.url), content=body, headers=headers, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise ConnectorError(
            f"webhook of {recipient.name} unreachable: {exc}", dataset=recipient_id
        ) from None
    if not response.is_success:
        raise ConnectorError(
            f"webhook of {recipient.name} answered {response.status_code}: {response.text[:200]}",
            dataset=recipient_id,
        )
    with context.finish() as session:
        found = _task_of(session, context.subject)
        if found is None or found[1].state not in OPEN_TASK_STATES:
            return
        request, task = found
        task.state, task.done_by, task.done_at, task.last_error = "done", "webhook", utcnow(), None
        audit.record(
            session,
            secret=ctx.secret,
            actor="worker",
            action="request.task.done",
            detail={"id": request.id, "task": task.id, "recipient": recipient_id, "channel": "webhook"},
        )
        complete_if_done(session, ctx, request)


def propagate_failed(session: Session, subject: str, error: str) -> None:
    found = _task_of(session, subject)
    if found is not None and found[1].state in OPEN_TASK_STATES:
        found[1].state, found[1].last_error = "failed", error
