"""Celery with the local Redis: two workers, one SIGKILLed mid-step; every step still completes exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from troth.jobs import JobStep, StepState, enqueue
from troth.jobs._celery import CeleryDispatcher
from troth.store import make_engine

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

WORKER = Path(__file__).with_name("celery_worker_main.py")
STEPS = 6


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    name = f"troth-test-{uuid.uuid4().hex[:8]}"
    yield name
    CeleryDispatcher(redis_url, queue=name).app.control.purge()


def _start(
    store_url: str, broker_url: str, queue: str, name: str, concurrency: int
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), store_url, broker_url, queue, f"{name}@test", str(concurrency)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker and its pool children die together
    )


def _in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except ProcessLookupError:
        return False


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("concurrency", [1, 2], ids=["solo", "prefork"])
def test_a_killed_worker_delays_a_step_and_never_loses_or_doubles_it(
    pg_store_url: str, redis_url: str, queue: str, concurrency: int
) -> None:
    """A worker runs steps in its own process (concurrency 1) or in pool children (more)."""
    sessions = sessionmaker(make_engine(pg_store_url), expire_on_commit=False)
    workers = [_start(pg_store_url, redis_url, queue, name, concurrency) for name in ("a", "b")]
    dispatcher = CeleryDispatcher(redis_url, queue=queue)
    try:
        # both workers must be listening, or the first one up may run every step before the other starts
        _wait(lambda: len(dispatcher.app.control.ping(timeout=0.5) or []) >= 2, 60, "both workers to start")
        with sessions.begin() as session:
            for n in range(STEPS):
                enqueue(session, "slow", f"s{n}", dispatcher=dispatcher)
        victim = workers[0]

        def victim_is_mid_step() -> bool:
            with sessions() as session:
                started = session.execute(text("SELECT subject, pid FROM started")).all()
                done = set(session.scalars(text("SELECT subject FROM outcome")))
            return any(subject not in done and _in_group(pid, victim.pid) for subject, pid in started)

        _wait(victim_is_mid_step, 30, "worker a to start a step")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(5)

        def all_done(session_factory: sessionmaker[Session] = sessions) -> bool:
            with session_factory() as session:
                states = list(session.scalars(select(JobStep.state)))
            return states == [StepState.DONE] * STEPS

        _wait(all_done, 40, "every step to finish after the kill")
        with sessions() as session:
            finished = Counter(session.scalars(text("SELECT subject FROM outcome")))
            started = Counter(session.scalars(text("SELECT subject FROM started")))
        assert finished == Counter({f"s{n}": 1 for n in range(STEPS)})
        assert max(started.values()) == 2  # the killed step ran again on the other worker
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(20)
        sessions.kw["bind"].dispose()
