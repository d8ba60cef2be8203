"""Group commit for the ledger: many concurrent decisions, one transaction.

Each web worker owns one `LedgerWriter` per database. Requests hand it their
prepared events and wait; a single thread takes everything queued, chains and
inserts it with one statement and commits once, then answers every waiting
request. A request is acknowledged only after its commit, so a crash loses
nothing that was acknowledged. When another process wrote to the same consent
id at the same moment, the unique (consent_id, seq) constraint rejects the
batch and the writer retries it on fresh chain heads.
"""

from __future__ import annotations

import asyncio
import queue
import random
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import Future

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from troth._errors import StoreError
from troth.consent._events import PreparedEvent
from troth.consent._ledger import RecordedEvent, append_events

__all__ = ["LedgerWriter", "record_events", "writer_for"]

_MAX_BATCH = 500
_ATTEMPTS = 20


def record_events(
    factory: sessionmaker[Session], events: Sequence[PreparedEvent], *, secret: str
) -> list[RecordedEvent]:
    """Append `events` in one committed transaction, retrying when a concurrent writer won a race."""
    for attempt in range(_ATTEMPTS):
        with factory() as session:
            try:
                recorded = append_events(session, events, secret=secret)
                session.commit()
                return recorded
            except (IntegrityError, OperationalError) as exc:
                session.rollback()
                # Back off with jitter so racing writers of one consent id stop colliding.
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))
                if attempt == _ATTEMPTS - 1:
                    raise StoreError(f"could not record {len(events)} consent event(s): {exc.orig}") from None
    raise StoreError("could not record consent events")  # pragma: no cover - loop always returns or raises


class LedgerWriter:
    """One writer thread per database and process; see the module docstring."""

    def __init__(self, factory: sessionmaker[Session], *, secret: str) -> None:
        self._factory = factory
        self._secret = secret
        self._queue: queue.SimpleQueue[tuple[PreparedEvent, Future[RecordedEvent]]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="troth-consent-ledger", daemon=True)
        self._thread.start()

    def submit(self, event: PreparedEvent) -> Future[RecordedEvent]:
        future: Future[RecordedEvent] = Future()
        self._queue.put((event, future))
        return future

    async def record(self, event: PreparedEvent) -> RecordedEvent:
        """Record one event; returns once it is committed."""
        return await asyncio.wrap_future(self.submit(event))

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                recorded = record_events(self._factory, [event for event, _ in batch], secret=self._secret)
            except Exception as exc:  # every waiting request must hear about the failure
                for _, future in batch:
                    future.set_exception(exc if isinstance(exc, StoreError) else StoreError(str(exc)))
                continue
            for (_, future), result in zip(batch, recorded, strict=True):
                future.set_result(result)


_WRITERS: weakref.WeakKeyDictionary[Engine, dict[str, LedgerWriter]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def writer_for(engine: Engine, *, secret: str) -> LedgerWriter:
    """The process's writer for `engine` (made on first use)."""
    with _LOCK:
        by_secret = _WRITERS.setdefault(engine, {})
        writer = by_secret.get(secret)
        if writer is None:
            writer = by_secret[secret] = LedgerWriter(
                sessionmaker(engine, expire_on_commit=False), secret=secret
            )
        return writer
