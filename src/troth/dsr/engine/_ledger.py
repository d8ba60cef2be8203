"""The run's records in troth's store: a few plain Core statements per run.

They go straight to the session's connection (no ORM unit of work): a run
costs one read, one insert with the checkpoint, an update per finished data
store when there are several, and the final update with the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
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


_COLUMNS = (_RUNS.c.id, _RUNS.c.status, _RUNS.c.checkpoint, _RUNS.c.report)
# Built once: a statement object caches its compiled form, so each run pays only for the round trip.
_BY_ID = select(*_COLUMNS).where(_RUNS.c.id == bindparam("run_id"))
_OPEN = (
    select(*_COLUMNS)
    .where(_RUNS.c.kind == bindparam("kind"), _RUNS.c.subject_hash == bindparam("subject"))
    .where(_RUNS.c.status != "completed")
    .order_by(_RUNS.c.started_at.desc())
    .limit(1)
)
_STEPS_OF = select(_STEPS.c.name, _STEPS.c.detail).where(_STEPS.c.run_id == bindparam("run_id"))
_NEW_RUN = insert(_RUNS)
_NEW_STEP = insert(_STEPS)
_SET_CHECKPOINT = (
    update(_RUNS).where(_RUNS.c.id == bindparam("run_id")).values(checkpoint=bindparam("sealed"))
)
_SET_ERROR = update(_RUNS).where(_RUNS.c.id == bindparam("run_id")).values(error=bindparam("error"))
_COMPLETE = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("run_id"), _RUNS.c.status != "completed")
    .values(
        status="completed", report=bindparam("report"), checkpoint=None, error="", finished_at=bindparam("at")
    )
)


def find_run(session: Session, *, run_id: str | None, kind: str, subject: str) -> RunRecord | None:
    """The run asked for by id, else the latest unfinished run of this kind for this person."""
    connection = session.connection()
    if run_id:
        row = connection.execute(_BY_ID, {"run_id": run_id}).first()
    else:
        row = connection.execute(_OPEN, {"kind": kind, "subject": subject}).first()
    return RunRecord(*row) if row is not None else None


def finished_steps(session: Session, run_id: str) -> dict[str, str]:
    return dict(session.connection().execute(_STEPS_OF, {"run_id": run_id}).all())


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
        session.connection().execute(_SET_CHECKPOINT, {"run_id": run_id, "sealed": sealed})
        return
    row = {
        "id": run_id,
        "kind": kind,
        "subject_hash": subject,
        "status": "running",
        "policy_version": policy_version,
        "checkpoint": sealed,
        "report": None,
        "error": "",
        "started_at": utcnow(),
        "finished_at": None,
    }
    session.connection().execute(_NEW_RUN, row)


def record_step(session: Session, *, run_id: str, name: str, position: int, detail: Any) -> None:
    row = {
        "run_id": run_id,
        "name": name,
        "position": position,
        "detail": json.dumps(detail),
        "finished_at": utcnow(),
    }
    session.connection().execute(_NEW_STEP, row)


def note_error(session: Session, *, run_id: str, error: str) -> None:
    session.connection().execute(_SET_ERROR, {"run_id": run_id, "error": error[:2000]})


def complete(session: Session, *, run_id: str, report: dict[str, Any]) -> bool:
    """Mark the run completed and drop its checkpoint; False when it already was."""
    done = session.connection().execute(
        _COMPLETE, {"run_id": run_id, "report": json.dumps(report), "at": utcnow()}
    )
    return bool(getattr(done, "rowcount", 0))
