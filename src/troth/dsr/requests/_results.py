"""Request results at rest: the export archive, encrypted in bounded chunks in troth's store.

Chunks live in the store (not on one machine's disk), so any replica can
serve a download. Each chunk is sealed with Fernet and carries its request
and position inside the sealed bytes, so chunks cannot be swapped or
reordered unnoticed. Downloads are counted; expiry destroys the chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from troth._crypto import decrypt, encrypt
from troth._errors import ConflictError, NotFoundError, VerificationError
from troth.dsr.requests._models import ArchiveChunk, RequestResult
from troth.store import utcnow

__all__ = [
    "CHUNK_BYTES",
    "DOWNLOAD_DAYS",
    "destroy_archive",
    "downloadable",
    "read_archive",
    "store_archive",
    "store_report",
]

CHUNK_BYTES = 1024 * 1024
DOWNLOAD_DAYS = 7
_PURPOSE = "dsr.archive"


def _header(request_id: str, seq: int) -> bytes:
    return f"{request_id}:{seq}:".encode()


_RESULTS = cast(Table, RequestResult.__table__)
_CHUNKS = cast(Table, ArchiveChunk.__table__)
_ADD_RESULT = insert(_RESULTS)
_ADD_CHUNK = insert(_CHUNKS)


def store_archive(
    session: Session,
    secret: str,
    request_id: str,
    archive: Path,
    *,
    report: dict[str, Any],
    days: int = DOWNLOAD_DAYS,
) -> RequestResult:
    """Seal `archive` into the store, chunk by chunk (memory stays bounded), valid for `days`.

    Called once per request: the step that stores it commits atomically with the request's
    completion, so a retried step never finds an earlier archive. The rows are written with
    plain INSERTs on the session's connection; the result returned is a detached copy of the
    row, for the caller to read from.
    """
    # the digest first (a local file, read twice), so the result row is written once, complete
    digest, size = hashlib.sha256(), 0
    with archive.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    values = {
        "request_id": request_id,
        "filename": f"{request_id}-data.zip",
        "report": report,
        "expires_at": utcnow() + dt.timedelta(days=days),
        "size": size,
        "sha256": digest.hexdigest(),
    }
    connection = session.connection()
    connection.execute(_ADD_RESULT, values)
    with archive.open("rb") as source:
        seq = 0
        while chunk := source.read(CHUNK_BYTES):
            sealed = encrypt(secret, _header(request_id, seq) + chunk, purpose=_PURPOSE)
            connection.execute(_ADD_CHUNK, {"request_id": request_id, "seq": seq, "data": sealed})
            seq += 1
    return RequestResult(**values)


def store_report(session: Session, request_id: str, report: dict[str, Any]) -> RequestResult:
    values = {"request_id": request_id, "report": report}
    session.connection().execute(_ADD_RESULT, values)
    return RequestResult(**values)


def downloadable(session: Session, request_id: str) -> RequestResult:
    """The archive of `request_id`, if it exists and has not expired; refuses otherwise."""
    result = session.get(RequestResult, request_id)
    if result is None or result.sha256 is None:
        raise NotFoundError(f"request {request_id} has no archive to download")
    if result.destroyed_at is not None or (result.expires_at is not None and result.expires_at <= utcnow()):
        raise ConflictError("this download link has expired and the file was destroyed; make a new request")
    return result


def read_archive(sessions: sessionmaker[Session], secret: str, request_id: str) -> Iterator[bytes]:
    """Decrypted chunks in order, each read in its own short transaction."""
    seq = 0
    while True:
        with sessions() as session:
            sealed = session.scalar(
                select(ArchiveChunk.data).where(
                    ArchiveChunk.request_id == request_id, ArchiveChunk.seq == seq
                )
            )
        if sealed is None:
            return
        plain = decrypt(secret, sealed, purpose=_PURPOSE)
        header = _header(request_id, seq)
        if not plain.startswith(header):
            raise VerificationError(f"archive chunk {seq} of request {request_id} is not where it belongs")
        yield plain[len(header) :]
        seq += 1


def destroy_archive(session: Session, request_id: str) -> None:
    session.execute(delete(ArchiveChunk).where(ArchiveChunk.request_id == request_id))
    result = session.get(RequestResult, request_id)
    if result is not None and result.destroyed_at is None:
        result.destroyed_at = utcnow()
