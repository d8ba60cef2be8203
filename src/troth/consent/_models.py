"""The consent ledger's tables.

`consent_events` is append-only: each row is one decision, hash-linked to the
previous row of the same consent id (`seq` numbers them; a unique constraint on
(consent_id, seq) makes two concurrent writers of one visitor retry instead of
forking the chain). `consent_texts` keeps, once per hash, the exact words a
visitor saw. `consent_tallies` keeps the aggregate counts of events pruned
after the ledger's retention period, so statistics survive the pruning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from troth.store._base import Base
from troth.store._types import UTCDateTime

__all__ = ["ConsentEvent", "ConsentTally", "ConsentText"]

#: Big integers on PostgreSQL, the rowid alias on SQLite (so ids autoincrement on both).
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class ConsentEvent(Base):
    __tablename__ = "consent_events"
    __table_args__ = (
        UniqueConstraint("consent_id", "seq", name="uq_consent_events_consent_id_seq"),
        Index("ix_consent_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    consent_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    #: {"categories": {"analytics": true, ...}, "services": {"video": false, ...}}
    decisions: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: comma-framed lists (",analytics,social,") so statistics can count with LIKE on any database
    granted: Mapped[str] = mapped_column(String(200), default=",")
    denied: Mapped[str] = mapped_column(String(200), default=",")
    user_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    policy_version: Mapped[str] = mapped_column(String(64))
    texts_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    jurisdiction: Mapped[str] = mapped_column(String(32))
    page_url: Mapped[str] = mapped_column(String(500))
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(80))
    gpc: Mapped[bool] = mapped_column(Boolean, default=False)
    dnt: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ConsentText(Base):
    __tablename__ = "consent_texts"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(64))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_shown_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConsentTally(Base):
    """Counts of pruned events per day, action and category outcome."""

    __tablename__ = "consent_tallies"
    __table_args__ = (
        UniqueConstraint("day", "action", "category", "outcome", name="uq_consent_tallies_day_action"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(16))
    #: a category id, or "*" for the count of events themselves
    category: Mapped[str] = mapped_column(String(32))
    #: "granted", "denied" or "event"
    outcome: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(BigInteger)
