"""Append to, verify and export the hash-chained audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from troth._crypto import derive_key, keyed_hash
from troth._errors import StoreError
from troth.audit._models import AuditEvent, AuditHead
from troth.store._types import utcnow

__all__ = ["GENESIS", "AuditProblem", "export_lines", "record", "subject_hash", "verify"]

GENESIS = "0" * 64
_BATCH = 1000


def subject_hash(secret: str, subject: str) -> str:
    """How a data subject appears in the log (and how to search for one)."""
    return keyed_hash(secret, subject.strip().lower(), purpose="audit.subject")


def _content_digest(key: bytes, prev_hash: str, fields: tuple[Any, ...]) -> str:
    """HMAC over (id, at, actor, action, subject_hash, detail) and the previous hash."""
    event_id, at, actor, action, subject, detail = fields
    content = json.dumps(
        [event_id, at.isoformat(timespec="microseconds"), actor, action, subject, detail, prev_hash],
        separators=(",", ":"),
    )
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()


def _digest(key: bytes, prev_hash: str, event: AuditEvent) -> str:
    return _content_digest(
        key, prev_hash, (event.id, event.at, event.actor, event.action, event.subject_hash, event.detail)
    )


# Built once: record() is on every audited hot path (an erasure's entry among them).
_events_table = cast(Table, AuditEvent.__table__)
_head_table = cast(Table, AuditHead.__table__)
_BUMP = (
    update(_head_table)
    .where(_head_table.c.id == 1)
    .values(seq=_head_table.c.seq + 1)
    .returning(_head_table.c.seq, _head_table.c.last_hash)
)
_APPEND = insert(_events_table)
_LINK = update(_head_table).where(_head_table.c.id == 1).values(last_hash=bindparam("new_hash"))
# PostgreSQL appends the event and moves the head in one statement (a data-modifying CTE)
_APPEND_AND_LINK = _LINK.add_cte(
    insert(_events_table).values({c.name: bindparam(f"e_{c.name}") for c in _events_table.c}).cte("appended")
)


def record(
    session: Session,
    *,
    secret: str,
    actor: str,
    action: str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event in the caller's transaction (it commits or rolls back with the caller)."""
    # Updating the head row first takes the write lock (a row lock on PostgreSQL,
    # the database lock on SQLite), so concurrent appenders queue instead of forking;
    # RETURNING gives the new sequence number and the hash it links to in one round trip.
    connection = session.connection()
    head = connection.execute(_BUMP).one_or_none()
    if head is None:
        raise StoreError("the audit log has no head row: run `troth db upgrade`")
    row = {
        "id": head.seq,
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "subject_hash": subject_hash(secret, subject) if subject else None,
        "detail": json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), default=str),
        "prev_hash": head.last_hash,
    }
    fields = (row["id"], row["at"], actor, action, row["subject_hash"], row["detail"])
    row["hash"] = _content_digest(derive_key(secret, "audit.chain"), head.last_hash, fields)
    if connection.dialect.name == "postgresql":
        values = {f"e_{name}": value for name, value in row.items()}
        connection.execute(_APPEND_AND_LINK, {**values, "new_hash": row["hash"]})
    else:
        connection.execute(_APPEND, row)
        connection.execute(_LINK, {"new_hash": row["hash"]})


@dataclass(frozen=True)
class AuditProblem:
    """The first link where the stored log departs from the chain."""

    event_id: int
    message: str

    def __str__(self) -> str:
        return f"audit event {self.event_id}: {self.message}"


def _events(session: Session) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(_BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify(session: Session, *, secret: str) -> tuple[int, AuditProblem | None]:
    """Recompute the chain: (events checked, first problem or None)."""
    key = derive_key(secret, "audit.chain")
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    for event in _events(session):
        if event.id != expected_id:
            return count, AuditProblem(expected_id, f"missing (the next stored event is {event.id})")
        if event.prev_hash != expected_prev:
            return count, AuditProblem(event.id, "does not link to the event before it (deleted or moved)")
        if not hmac.compare_digest(_digest(key, expected_prev, event), event.hash):
            return count, AuditProblem(event.id, "content does not match its hash (edited)")
        expected_prev = event.hash
        expected_id += 1
        count += 1
    head = session.get(AuditHead, 1)
    if head is None:
        return count, AuditProblem(expected_id, "the head row is missing")
    if head.seq != count or head.last_hash != expected_prev:
        return count, AuditProblem(head.seq, f"the log ends at event {count} but {head.seq} were written")
    return count, None


def export_lines(session: Session) -> Iterator[str]:
    """Every event as one JSON line, oldest first (what `troth audit export` writes)."""
    for event in _events(session):
        yield json.dumps(
            {
                "id": event.id,
                "at": event.at.isoformat(timespec="microseconds"),
                "actor": event.actor,
                "action": event.action,
                "subject_hash": event.subject_hash,
                "detail": json.loads(event.detail),
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            },
            sort_keys=True,
        )
