"""Deliver due outbox rows: claim with a lease, send, mark — crash-safe on any store.

A row is claimed by a conditional UPDATE (status and lease checked in the WHERE
clause), so two senders never hold one row. Its life:

    queued ──claim──▶ sending ──whole message with the server──▶ committing ──250──▶ sent
                         │                                          │
                         └── failure: queued again (backoff) or failed (5xx, last attempt)

`committing` is written just before the final dot of SMTP DATA. A sender that
dies while `sending` left the server nothing it will keep (no final dot), so
the row is claimed again when its lease expires. A sender that dies while
`committing` had handed the message over: the row is recorded as sent, never
sent twice. Every attempt carries the same Message-ID.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import socket
import threading
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update

from troth.mail._models import OutboxMessage
from troth.mail._transport import DeliveryError, transport_for
from troth.store._types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from troth.settings import Settings

__all__ = ["DeliveryReport", "OutboxSender", "backoff", "deliver_due"]

log = logging.getLogger("troth.mail")

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=2)
_BASE_DELAY = 30.0
_MAX_DELAY = 3600.0


def backoff(attempts: int, *, base: float = _BASE_DELAY) -> dt.timedelta:
    """Delay after the `attempts`-th failure: base, 2·base, 4·base, … capped at an hour."""
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), _MAX_DELAY))


@dataclasses.dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _claim(sessions: sessionmaker[Session], *, owner: str, lease: dt.timedelta, limit: int) -> list[int]:
    now = utcnow()
    due = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    claimed: list[int] = []
    with sessions.begin() as session:
        # Write first: on SQLite this takes the write lock before reading, so a concurrent
        # sender cannot commit between our read and our update (a stale-snapshot error).
        session.execute(update(OutboxMessage).where(OutboxMessage.id < 0).values(attempts=0))
        candidates = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status.in_(("queued", "sending")), OutboxMessage.next_attempt_at <= now, due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).all()
        for row_id in candidates:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status.in_(("queued", "sending")), due)
                .values(
                    status="sending",
                    lease_owner=owner,
                    lease_until=now + lease,
                    attempts=OutboxMessage.attempts + 1,
                )
            )
            if getattr(result, "rowcount", 0) == 1:
                claimed.append(row_id)
    return claimed


def _finish(sessions: sessionmaker[Session], row_id: int, owner: str, **values: object) -> None:
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.lease_owner == owner)
            .values(lease_owner=None, lease_until=None, **values)
        )


class LeaseLostError(Exception):
    """Another sender took the row over (our lease expired): do not finish sending it."""


def _committing(sessions: sessionmaker[Session], row_id: int, owner: str) -> None:
    with sessions.begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.lease_owner == owner,
                OutboxMessage.status == "sending",
            )
            .values(status="committing")
        )
        if getattr(result, "rowcount", 0) != 1:
            raise LeaseLostError(f"outbox row {row_id} was claimed by another sender")


def _recover(sessions: sessionmaker[Session]) -> int:
    """Rows whose sender died after handing the message over are sent; record them so."""
    with sessions.begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "committing", OutboxMessage.lease_until < utcnow())
            .values(
                status="sent",
                sent_at=utcnow(),
                lease_owner=None,
                lease_until=None,
                last_error="the sender stopped after handing the message to the server; not sent again",
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def deliver_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    limit: int = 50,
    lease: dt.timedelta = LEASE,
    base_delay: float = _BASE_DELAY,
) -> DeliveryReport:
    """Deliver up to `limit` due emails once; returns what happened."""
    owner = _owner()
    report = DeliveryReport(sent=_recover(sessions))
    ids = _claim(sessions, owner=owner, lease=lease, limit=limit)
    if not ids:
        return report
    with transport_for(settings) as transport:
        for row_id in ids:
            with sessions() as session:
                row = session.get(OutboxMessage, row_id)
                if row is None:
                    continue
                session.expunge(row)
            try:
                where = transport.send(row, functools.partial(_committing, sessions, row_id, owner))
            except LeaseLostError:
                continue
            except DeliveryError as exc:
                if exc.permanent or row.attempts >= MAX_ATTEMPTS:
                    log.error("email %s to %s failed for good: %s", row.message_id, row.to_addr, exc)
                    _finish(sessions, row_id, owner, status="failed", last_error=str(exc))
                    report.failed += 1
                else:
                    retry_at = utcnow() + backoff(row.attempts, base=base_delay)
                    _finish(
                        sessions,
                        row_id,
                        owner,
                        status="queued",
                        next_attempt_at=retry_at,
                        last_error=str(exc),
                    )
                    report.retried += 1
                continue
            _finish(
                sessions, row_id, owner, status="sent", sent_at=utcnow(), delivered_to=where, last_error=""
            )
            report.sent += 1
    return report


class OutboxSender:
    """A background thread delivering the outbox every `interval` seconds (and when woken)."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, *, interval: float = 2.0) -> None:
        self.sessions = sessions
        self.settings = settings
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="troth-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while deliver_due(self.sessions, self.settings).sent and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("the outbox sender met an error; retrying shortly")
            self._wake.wait(self.interval)
            self._wake.clear()
