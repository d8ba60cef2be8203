"""The request engine's tables in troth's store: runs, their checkpointed steps, restrictions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from troth.store import Base, UTCDateTime, utcnow

__all__ = ["DsrRestriction", "DsrRun", "DsrStep"]


class DsrRun(Base):
    """One execution of erase / rectify / restrict for one person; resumable from its steps."""

    __tablename__ = "dsr_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    policy_version: Mapped[str] = mapped_column(String(64), default="")
    #: encrypted JSON: the keys collected before anything changed, identities, requested values
    checkpoint: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: JSON report without personal data: per-collection outcomes
    report: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DsrStep(Base):
    """A finished step of a run; its presence is what makes re-running it a no-op."""

    __tablename__ = "dsr_steps"

    run_id: Mapped[str] = mapped_column(ForeignKey("dsr_runs.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DsrRestriction(Base):
    """Processing of a person's data is restricted (GDPR Art. 18) until lifted."""

    __tablename__ = "dsr_restrictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identity_hash: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[str] = mapped_column(String(36), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    restricted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lift_reason: Mapped[str] = mapped_column(Text, default="")
