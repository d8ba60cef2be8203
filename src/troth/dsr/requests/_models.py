"""troth's record of requests: the request, its verifications, recipient tasks, notes and results.

Personal data in these rows (the identity, the details a person typed, an
agent's document) is sealed with Fernet under the secret key; lookups use a
keyed hash. Once a closed request's keeping period passes, minimisation
removes everything but the keyed hash and the outcome.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from troth.store import Base, UTCDateTime, utcnow

__all__ = ["ArchiveChunk", "DsrRequest", "Note", "RecipientTask", "RequestResult", "Verification"]


class DsrRequest(Base):
    """A data subject request from receipt to closure."""

    __tablename__ = "dsr_request"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10), default="en")
    state: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16))
    identity_hash: Mapped[str] = mapped_column(String(64), index=True)
    identity_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    details_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    status_token_hash: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    longest_due_on: Mapped[dt.date] = mapped_column(Date)
    acknowledge_by: Mapped[dt.date | None] = mapped_column(Date, default=None)
    extension_reason: Mapped[str | None] = mapped_column(Text, default=None)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    verification_method: Mapped[str | None] = mapped_column(String(24), default=None)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    approved_by: Mapped[str | None] = mapped_column(String(120), default=None)
    denied_reason: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    agent_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    agent_document_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    minimised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Verification(Base):
    """One emailed code + link proving control of the address (to verify, or to download)."""

    __tablename__ = "dsr_verification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("dsr_request.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecipientTask(Base):
    """Telling one recipient (processor) to act too: by signed webhook or by hand."""

    __tablename__ = "dsr_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("dsr_request.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[str] = mapped_column(String(80))
    recipient_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    done_by: Mapped[str | None] = mapped_column(String(120), default=None)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Note(Base):
    """A staff note on a request (internal; never shown to the person)."""

    __tablename__ = "dsr_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("dsr_request.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestResult(Base):
    """What a finished request produced: an encrypted archive (access) or a report (erasure...)."""

    __tablename__ = "dsr_result"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("dsr_request.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str | None] = mapped_column(String(200), default=None)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArchiveChunk(Base):
    """The encrypted archive in bounded pieces, shared by every replica through the store."""

    __tablename__ = "dsr_archive_chunk"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("dsr_result.request_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
