"""A `troth worker`-like process for the Celery tests: slow steps that record start and finish.

python celery_worker_main.py STORE_URL BROKER_URL QUEUE NAME CONCURRENCY
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from troth.jobs import StepContext, StepRegistry
from troth.jobs._celery import CeleryDispatcher, run_celery_worker
from troth.store import make_engine


def slow_step(context: StepContext) -> None:
    with context.sessions.begin() as session:
        session.execute(
            text("INSERT INTO started (subject, pid) VALUES (:s, :p)"),
            {"s": context.subject, "p": os.getpid()},
        )
    time.sleep(0.8)
    with context.finish() as session:
        session.execute(
            text("INSERT INTO outcome (subject, worker) VALUES (:s, :w)"),
            {"s": context.subject, "w": str(os.getpid())},
        )


def main() -> None:
    store_url, broker_url, queue, name, concurrency = sys.argv[1:6]
    sessions = sessionmaker(make_engine(store_url), expire_on_commit=False)
    registry = StepRegistry()
    registry.register("slow", slow_step)
    run_celery_worker(
        sessions,
        registry,
        CeleryDispatcher(broker_url, queue=queue),
        concurrency=int(concurrency),
        name=name,
        sweep_every=0.3,
        lease=dt.timedelta(seconds=1.5),
    )


if __name__ == "__main__":
    main()
