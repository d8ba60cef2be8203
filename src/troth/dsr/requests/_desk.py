"""Where requests are worked: the steps' registry, the engine, and who runs the steps.

Without `TROTH_BROKER_URL` an in-process worker runs the steps (the embedded
default); with it, steps go to the broker and `troth worker` processes run
them. Web replicas and workers build the same desk over the same store.
Celery is imported only when a broker is configured: it is most of the
start-up time of a process that never uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from troth._errors import ConfigurationError
from troth.declaration import Declaration
from troth.dsr.requests import register_steps
from troth.dsr.requests._context import RequestContext
from troth.dsr.requests._engine import EngineExecutor
from troth.dsr.requests._execution import Executor
from troth.jobs import Dispatcher, InlineWorker, StepRegistry
from troth.jobs._runner import DEFAULT_LEASE
from troth.settings import Settings

if TYPE_CHECKING:
    from troth.jobs._celery import CeleryDispatcher

__all__ = ["RequestDesk"]


class RequestDesk:
    """The request lifecycle's runtime: build one per process, `start()` it, `stop()` it at exit."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        declaration: Callable[[], Declaration],
        *,
        threads: int = 2,
        executor: Executor | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.declaration = declaration
        self.engine = EngineExecutor(sessions, settings.secret_key, declaration)
        self.executor: Executor = executor or self.engine
        self.registry = StepRegistry()
        self.worker: InlineWorker | None = None
        self.dispatcher: Dispatcher
        self._celery: CeleryDispatcher | None = None
        if settings.broker_url:
            from troth.jobs._celery import CeleryDispatcher

            self._celery = CeleryDispatcher(settings.broker_url)
            self.dispatcher = self._celery
        else:
            self.worker = InlineWorker(sessions, self.registry, threads=threads)
            self.dispatcher = self.worker
        register_steps(self.registry, self.context, self.executor)

    def context(self) -> RequestContext:
        return RequestContext(self.settings, self.declaration(), dispatcher=self.dispatcher)

    def start(self) -> RequestDesk:
        if self.worker is not None:
            self.worker.start()
        return self

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.engine.close()

    def run_celery(self, *, concurrency: int, name: str, lease: dt.timedelta = DEFAULT_LEASE) -> None:
        """Serve the broker's steps in this process until stopped (what `troth worker` does)."""
        if self._celery is None:
            raise ConfigurationError("a Celery worker needs TROTH_BROKER_URL (redis://... or amqp://...)")
        from troth.jobs._celery import run_celery_worker

        run_celery_worker(
            self.sessions, self.registry, self._celery, concurrency=concurrency, name=name, lease=lease
        )
