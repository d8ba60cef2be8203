"""The in-process worker: the embedded default runs steps on threads beside the web app.

Steps are handed over through a queue right after the transaction that
created them commits; a sweep thread re-dispatches anything left behind (a
step whose backoff passed, a lease that expired because the process was
stopped mid-step). State lives in the store, so a restart loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Iterable

from sqlalchemy.orm import Session, sessionmaker

from troth.jobs._runner import DEFAULT_LEASE, StepRegistry, run_step, sweep

__all__ = ["InlineWorker"]

log = logging.getLogger("troth.jobs")


class InlineWorker:
    """Runs steps on `threads` daemon threads; also the `Dispatcher` that feeds them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        registry: StepRegistry,
        *,
        threads: int = 2,
        sweep_every: float = 5.0,
        lease: dt.timedelta = DEFAULT_LEASE,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.lease = lease
        self._threads = threads
        self._sweep_every = sweep_every
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._busy = 0
        self._idle = threading.Condition()

    def dispatch(self, step_ids: Iterable[int]) -> None:
        for step_id in step_ids:
            self._queue.put(step_id)

    def start(self) -> InlineWorker:
        if self._workers:
            return self
        self._stop.clear()
        for n in range(self._threads):
            thread = threading.Thread(target=self._work, daemon=True, name=f"troth-worker-{n}")
            thread.start()
            self._workers.append(thread)
        sweeper = threading.Thread(target=self._sweep, daemon=True, name="troth-sweep")
        sweeper.start()
        self._workers.append(sweeper)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for _ in range(self._threads):
            self._queue.put(None)
        for thread in self._workers:
            thread.join(timeout)
        self._workers.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is queued or running (tests and the benchmark use this)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0 and self._queue.empty(), timeout)

    def _work(self) -> None:
        while True:
            step_id = self._queue.get()
            if step_id is None:
                return
            with self._idle:
                self._busy += 1
            try:
                run_step(self.sessions, self.registry, step_id, dispatcher=self, lease=self.lease)
            except Exception:  # the runner records step failures; this is the store itself failing
                log.exception("step %s could not be run", step_id)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _sweep(self) -> None:
        # at once on start (steps left over from a restart resume now), then every `sweep_every`
        while True:
            try:
                sweep(self.sessions, self, registry=self.registry)
            except Exception:
                log.exception("the step sweep failed; retrying in %ss", self._sweep_every)
            if self._stop.wait(self._sweep_every):
                return
