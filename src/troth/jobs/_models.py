"""The state of background work, kept in troth's store so any worker may pick up any step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from troth.store import Base, UTCDateTime, utcnow

__all__ = ["JobStep", "StepState"]


class StepState:
    """The states of a step. `running` steps hold a lease; an expired lease is re-dispatched."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStep(Base):
    """One idempotent step of work (e.g. "run request R's export"), at most one per kind and subject."""

    __tablename__ = "job_step"
    __table_args__ = (
        UniqueConstraint("kind", "subject"),
        Index("ix_job_step_state_run_after", "state", "run_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=StepState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: who holds the step while it runs: a fresh token per claim, so a late finisher is fenced off
    lease_owner: Mapped[str | None] = mapped_column(String(80), default=None)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
