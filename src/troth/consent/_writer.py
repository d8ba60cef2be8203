"""Group commit for the ledger: many concurrent decisions, one transaction.

Each web worker owns one `LedgerWriter` per database. Requests hand it their
prepared events and wait; a committer thread takes everything queued, chains
and inserts it with one statement and commits once, then answers every waiting
request. Several committers take turns, so one batch is being filled and
inserted while another waits for its commit to reach the disk. A request is acknowledged only after its commit, so a crash loses
nothing that was acknowledged. When another process wrote to the same consent
id at the same moment, the unique (consent_id, seq) constraint rejects the
batch and the writer retries it on fresh chain heads.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future

from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from troth._errors import StoreError
from troth.consent._events import PreparedEvent
from troth.consent._ledger import RecordedEvent, append_events
from troth.store import make_engine

__all__ = ["LedgerWriter", "record_events", "writer_for"]

_MAX_BATCH = 500
_ATTEMPTS = 20
#: committer threads per writer: enough to keep the disk's flushes overlapping
_COMMITTERS = 4


def record_events(
    factory: sessionmaker[Session],
    events: Sequence[PreparedEvent],
    *,
    secret: str,
    heads: ChainHeads | None = None,
) -> list[RecordedEvent]:
    """Append `events` in one committed transaction, retrying when a concurrent writer won a race.

    With `heads`, the first attempt chains from memory instead of asking the
    database; retries always ask.
    """
    for attempt in range(_ATTEMPTS):
        with factory() as session:
            try:
                known = (
                    heads.lookup(e.consent_id for e in events) if heads is not None and attempt == 0 else None
                )
                recorded = append_events(session, events, secret=secret, known_heads=known)
                session.commit()
                if heads is not None:
                    heads.update(recorded)
                return recorded
            except (IntegrityError, OperationalError) as exc:
                session.rollback()
                # Back off with jitter so racing writers of one consent id stop colliding.
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))
                if attempt == _ATTEMPTS - 1:
                    raise StoreError(f"could not record {len(events)} consent event(s): {exc.orig}") from None
    raise StoreError("could not record consent events")  # pragma: no cover - loop always returns or raises


class ChainHeads:
    """The last (seq, hash) of recently extended chains, bounded, shared by a writer's committers."""

    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._heads: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, consent_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
        with self._lock:
            return {i: self._heads[i] for i in consent_ids if i in self._heads}

    def update(self, recorded: Sequence[RecordedEvent]) -> None:
        with self._lock:
            for event in recorded:
                known = self._heads.get(event.consent_id)
                if known is None or known[0] < event.seq:
                    self._heads[event.consent_id] = (event.seq, event.hash)
                    self._heads.move_to_end(event.consent_id)
            while len(self._heads) > self._size:
                self._heads.popitem(last=False)


class LedgerWriter:
    """One writer thread per database and process; see the module docstring."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        secret: str,
        committers: int = _COMMITTERS,
        owns_engine: bool = False,
    ) -> None:
        self._factory = factory
        self._owns_engine = owns_engine
        self._secret = secret
        self._heads = ChainHeads()
        self._closed = False
        self._queue: queue.SimpleQueue[tuple[PreparedEvent, _Waiter] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"troth-consent-ledger-{number}", daemon=True)
            for number in range(committers)
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Finish what is queued, stop the committers and close their connections (if their own)."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(10)
        if self._owns_engine:
            self._factory.kw["bind"].dispose()

    def submit(self, event: PreparedEvent) -> Future[RecordedEvent]:
        future: Future[RecordedEvent] = Future()
        if self._closed:
            future.set_exception(StoreError("the consent ledger is shutting down; retry"))
            return future
        self._queue.put((event, future))
        return future

    async def record(self, event: PreparedEvent) -> RecordedEvent:
        """Record one event; returns once it is committed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[RecordedEvent] = loop.create_future()
        if self._closed:
            raise StoreError("the consent ledger is shutting down; retry")
        self._queue.put((event, (loop, waiter)))
        return await waiter

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < _MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # another committer's stop: leave it for them after this batch
                    break
                batch.append(item)
            try:
                events = [event for event, _ in batch]
                recorded = record_events(self._factory, events, secret=self._secret, heads=self._heads)
                outcomes: Sequence[RecordedEvent | StoreError] = recorded
            except Exception as exc:  # every waiting request must hear about the failure
                failure = exc if isinstance(exc, StoreError) else StoreError(str(exc))
                outcomes = [failure] * len(batch)
            _settle([(waiter, outcome) for (_, waiter), outcome in zip(batch, outcomes, strict=True)])


#: who waits for an event: a thread (a concurrent future) or a coroutine on its event loop
_Waiter = Future[RecordedEvent] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[RecordedEvent]"]
_Outcome = RecordedEvent | StoreError


def _settle(answers: Sequence[tuple[_Waiter, _Outcome]]) -> None:
    """Answer every waiter; coroutines are woken with one call per event loop, not one per event."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[RecordedEvent], _Outcome]]] = {}
    for waiter, outcome in answers:
        if isinstance(waiter, Future):
            if isinstance(outcome, StoreError):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)
        else:
            by_loop.setdefault(waiter[0], []).append((waiter[1], outcome))
    for loop, waiting in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_on_loop, waiting)


def _settle_on_loop(waiting: list[tuple[asyncio.Future[RecordedEvent], _Outcome]]) -> None:
    for waiter, outcome in waiting:
        if waiter.cancelled():
            continue  # the client went away; its event is committed all the same
        if isinstance(outcome, StoreError):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


_WRITERS: weakref.WeakKeyDictionary[Engine, dict[str, LedgerWriter]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def writer_for(engine: Engine, *, secret: str) -> LedgerWriter:
    """The process's writer for `engine` (made on first use)."""
    with _LOCK:
        by_secret = _WRITERS.setdefault(engine, {})
        writer = by_secret.get(secret)
        if writer is None:
            # Its own small pool, without a ping per checkout: a dropped connection fails the
            # attempt, the pool discards it, and the retry loop takes a fresh one. An in-memory
            # SQLite database exists only inside its engine, so that one is shared instead.
            own = engine
            if engine.url.database not in (None, "", ":memory:") and "mode=memory" not in str(engine.url):
                own = make_engine(
                    engine.url.render_as_string(hide_password=False),
                    pool_size=_COMMITTERS,
                    pool_pre_ping=False,
                )
            writer = by_secret[secret] = LedgerWriter(
                sessionmaker(own, expire_on_commit=False), secret=secret
            )
            # When the store's engine is disposed (shutdown, tests), the writer goes with it.
            event.listen(engine, "engine_disposed", lambda _engine, w=writer: _retire(engine, w))
        return writer


def _retire(engine: Engine, writer: LedgerWriter) -> None:
    with _LOCK:
        writers = _WRITERS.get(engine, {})
        for secret, known in list(writers.items()):
            if known is writer:
                del writers[secret]
    writer.close()
