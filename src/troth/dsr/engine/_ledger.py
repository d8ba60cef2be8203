"""The run's records in troth's store, written with plain Core statements (a few per run, no ORM flush)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from troth.dsr.engine._models import DsrRun, DsrStep
from troth.store import utcnow

# Core tables, not ORM entities: a handful of statements per run need no unit of work.
_RUNS = cast(Table, DsrRun.__table__)
_STEPS = cast(Table, DsrStep.__table__)

__all__ = [
    "RunRecord",
    "complete",
    "find_run",
    "finished_steps",
    "note_error",
    "record_step",
    "save_checkpoint",
]


@dataclass(frozen=True)
class RunRecord:
    id: str
    status: str
    checkpoint: bytes | None
    report: str | None


def find_run(session: Session, *, run_id: str | None, kind: str, subject: str) -> RunRecord | None:
    """The run asked for by id, else the latest unfinished run of this kind for this person."""
    query = select(_RUNS.c.id, _RUNS.c.status, _RUNS.c.checkpoint, _RUNS.c.report)
    if run_id:
        query = query.where(_RUNS.c.id == run_id)
    else:
        query = query.where(
            _RUNS.c.kind == kind, _RUNS.c.subject_hash == subject, _RUNS.c.status != "completed"
        ).order_by(_RUNS.c.started_at.desc())
    row = session.execute(query.limit(1)).first()
    return RunRecord(*row) if row is not None else None


def finished_steps(session: Session, run_id: str) -> dict[str, str]:
    return dict(
        session.execute(select(_STEPS.c.name, _STEPS.c.detail).where(_STEPS.c.run_id == run_id)).all()
    )


def save_checkpoint(
    session: Session,
    *,
    run_id: str,
    exists: bool,
    kind: str,
    subject: str,
    policy_version: str,
    sealed: bytes,
) -> None:
    if exists:
        session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(checkpoint=sealed))
        return
    session.execute(
        insert(_RUNS).values(
            id=run_id,
            kind=kind,
            subject_hash=subject,
            status="running",
            policy_version=policy_version,
            checkpoint=sealed,
            report=None,
            error="",
            started_at=utcnow(),
            finished_at=None,
        )
    )


def record_step(session: Session, *, run_id: str, name: str, position: int, detail: Any) -> None:
    session.execute(
        insert(_STEPS).values(
            run_id=run_id,
            name=name,
            position=position,
            detail=json.dumps(detail),
            finished_at=utcnow(),
        )
    )


def note_error(session: Session, *, run_id: str, error: str) -> None:
    session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(error=error[:2000]))


def complete(session: Session, *, run_id: str, report: dict[str, Any]) -> bool:
    """Mark the run completed and drop its checkpoint; False when it already was."""
    done = session.execute(
        update(_RUNS)
        .where(_RUNS.c.id == run_id, _RUNS.c.status != "completed")
        .values(
            status="completed",
            report=json.dumps(report),
            checkpoint=None,
            error="",
            finished_at=utcnow(),
        )
    )
    return bool(getattr(done, "rowcount", 0))
