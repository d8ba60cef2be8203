"""Celery: the same steps, run by `troth worker` processes that share one store and one broker.

Messages carry only a step id; the state is in the store. `acks_late` with a
prefetch of one means a pool child that dies hands its message back at once,
and the sweep each worker runs dispatches any step whose lease expired (or
that nobody picked up), so a killed worker delays a step and never loses or
doubles it. The broker is therefore not asked to guarantee delivery: on Redis,
kombu's acknowledgement emulation (two transactions against Redis per
message, so that a message a dead consumer held reappears after the
visibility timeout) is switched off.

A worker started with a concurrency of one runs steps in its own process
(Celery's solo pool): no hand-off to a pool child and back, which costs about
2 ms of CPU per step. On a small machine, one such worker per core is the
cheapest arrangement; larger concurrencies use the prefork pool.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from troth.jobs._runner import DEFAULT_LEASE, StepRegistry, run_step, sweep

__all__ = ["QUEUE", "TASK", "CeleryDispatcher", "make_celery", "run_celery_worker"]

log = logging.getLogger("troth.jobs")

TASK = "troth.jobs.run_step"
QUEUE = "troth"


def make_celery(broker_url: str, *, queue: str = QUEUE) -> Celery:
    app = Celery("troth", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=queue,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    if broker_url.startswith(("redis://", "rediss://")):
        app.conf.broker_transport_options = {"ack_emulation": False}
    return app


class CeleryDispatcher:
    """Sends step ids to the broker; used by web replicas and by the workers themselves."""

    def __init__(self, broker_url: str, *, queue: str = QUEUE) -> None:
        self.queue = queue
        self.app = make_celery(broker_url, queue=queue)

    def dispatch(self, step_ids: Iterable[int]) -> None:
        for step_id in step_ids:
            self.app.send_task(TASK, args=[step_id], queue=self.queue)


def run_celery_worker(
    sessions: sessionmaker[Session],
    registry: StepRegistry,
    dispatcher: CeleryDispatcher,
    *,
    concurrency: int = 2,
    name: str = "troth@%h",
    sweep_every: float = 5.0,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> None:
    """Run a Celery worker until it is stopped (blocks).

    Steps are mostly Python work between short queries, so each runs in a process of its own:
    with a concurrency of one, the worker's own (solo pool); otherwise `concurrency` children
    (prefork pool; threads would queue on the interpreter lock). Children drop the database
    connections they inherited and open their own. A thread of this process keeps sweeping.
    """
    from celery.signals import worker_process_init

    app = dispatcher.app

    @worker_process_init.connect(weak=False)  # type: ignore[untyped-decorator]
    def _fresh_connections(**_: object) -> None:
        sessions.kw["bind"].dispose(close=False)

    @app.task(name=TASK)  # type: ignore[untyped-decorator]
    def _run(step_id: int) -> None:
        run_step(sessions, registry, step_id, dispatcher=dispatcher, lease=lease)

    stop = threading.Event()

    def _sweeper() -> None:
        while True:
            try:
                sweep(sessions, dispatcher, registry=registry)
            except Exception:
                log.exception("the step sweep failed; retrying in %ss", sweep_every)
            if stop.wait(sweep_every):
                return

    threading.Thread(target=_sweeper, daemon=True, name="troth-sweep").start()
    try:
        app.worker_main(
            [
                "worker",
                "--pool=solo" if concurrency == 1 else "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--hostname={name}",
                f"--queues={dispatcher.queue}",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ]
        )
    finally:
        stop.set()
