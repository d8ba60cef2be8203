"""The step runner: claims are exclusive, finishing is fenced by the lease, failures retry then stop."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from troth.jobs import InlineWorker, JobStep, StepContext, StepRegistry, StepState, enqueue, run_step, sweep
from troth.store import utcnow

outcome = Table(
    "outcome",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("subject", String(64)),
    Column("worker", String(64)),
)


class Recorder:
    def __init__(self) -> None:
        self.ids: list[int] = []

    def dispatch(self, step_ids: Iterable[int]) -> None:
        self.ids.extend(step_ids)


def _completions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(outcome.c.subject).order_by(outcome.c.id)))


def _record(context: StepContext) -> None:
    with context.finish() as session:
        session.execute(outcome.insert().values(subject=context.subject, worker=context.lease_owner))


def _step(sessions: sessionmaker[Session], step_id: int) -> JobStep:
    with sessions() as session:
        found = session.get(JobStep, step_id)
        assert found is not None
        return found


def test_dispatch_happens_after_commit_and_never_after_rollback(sessions: sessionmaker[Session]) -> None:
    recorder = Recorder()
    with sessions.begin() as session:
        kept = enqueue(session, "demo", "a", dispatcher=recorder)
        assert recorder.ids == []  # not yet: the transaction may still roll back
    assert recorder.ids == [kept]
    with pytest.raises(RuntimeError), sessions.begin() as session:
        enqueue(session, "demo", "b", dispatcher=recorder)
        raise RuntimeError("the caller's state change failed")
    assert recorder.ids == [kept]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(JobStep)) == 1


def test_a_step_runs_once_and_its_outcome_commits_with_its_completion(
    sessions: sessionmaker[Session],
) -> None:
    registry = StepRegistry()
    registry.register("demo", _record)
    with sessions.begin() as session:
        step = enqueue(session, "demo", "a", dispatcher=None)
    assert run_step(sessions, registry, step)
    assert not run_step(sessions, registry, step)  # done: a duplicate message is a no-op
    assert _completions(sessions) == ["a"]
    assert _step(sessions, step).state == StepState.DONE


def test_a_worker_that_lost_its_lease_cannot_finish(sessions: sessionmaker[Session]) -> None:
    """Worker 1 stalls past its lease; worker 2 takes the step over; worker 1's late finish rolls back."""
    registry = StepRegistry()
    stalled, resume = threading.Event(), threading.Event()
    first = True

    def slow(context: StepContext) -> None:
        nonlocal first
        if first:
            first = False
            stalled.set()
            resume.wait(5)
        _record(context)

    registry.register("demo", slow)
    with sessions.begin() as session:
        step = enqueue(session, "demo", "a", dispatcher=None)
    results: list[bool] = []
    worker_1 = threading.Thread(
        target=lambda: results.append(run_step(sessions, registry, step, lease=dt.timedelta(seconds=30)))
    )
    worker_1.start()
    assert stalled.wait(5)
    with sessions.begin() as session:  # the lease runs out (e.g. the machine was suspended)
        session.execute(update(JobStep).values(lease_expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert run_step(sessions, registry, step)  # worker 2
    resume.set()
    worker_1.join(5)
    assert results == [False]
    assert _completions(sessions) == ["a"]


def test_a_slow_step_keeps_its_lease_while_it_runs(sessions: sessionmaker[Session]) -> None:
    """A step running for several lease lengths is renewed, so no other worker can take it over."""
    registry = StepRegistry()
    running, release = threading.Event(), threading.Event()

    def slow(context: StepContext) -> None:
        running.set()
        release.wait(5)
        _record(context)

    registry.register("demo", slow)
    with sessions.begin() as session:
        step = enqueue(session, "demo", "a", dispatcher=None)
    lease = dt.timedelta(seconds=0.6)
    results: list[bool] = []
    worker_1 = threading.Thread(
        target=lambda: results.append(run_step(sessions, registry, step, lease=lease))
    )
    worker_1.start()
    assert running.wait(5)
    deadline = time.monotonic() + 2.0  # more than three lease lengths
    while time.monotonic() < deadline:
        assert not run_step(sessions, registry, step, lease=lease)  # worker 2 finds it held
        time.sleep(0.1)
    release.set()
    worker_1.join(5)
    assert results == [True]
    assert _completions(sessions) == ["a"]
    assert _step(sessions, step).state == StepState.DONE


def test_failures_retry_with_backoff_then_fail_for_good(sessions: sessionmaker[Session]) -> None:
    failed: list[tuple[str, str]] = []

    def broken(context: StepContext) -> None:
        raise ValueError(f"attempt {context.attempt} broke")

    registry = StepRegistry()
    registry.register("demo", broken, on_failure=lambda s, subject, error: failed.append((subject, error)))
    with sessions.begin() as session:
        step = enqueue(session, "demo", "a", dispatcher=None)
    for attempt in range(1, 6):
        assert not run_step(sessions, registry, step)
        current = _step(sessions, step)
        assert current.error == f"ValueError: attempt {attempt} broke"
        if attempt < 5:
            assert current.state == StepState.PENDING
            assert current.run_after > utcnow()
            assert not run_step(sessions, registry, step)  # not due yet
            with sessions.begin() as session:
                session.execute(update(JobStep).values(run_after=utcnow()))
    assert _step(sessions, step).state == StepState.FAILED
    assert failed == [("a", "ValueError: attempt 5 broke")]
    # re-arming a failed step (an admin's "re-run") starts it afresh
    registry.register("demo", _record)
    with sessions.begin() as session:
        enqueue(session, "demo", "a", dispatcher=None)
    assert run_step(sessions, registry, step)
    assert _completions(sessions) == ["a"]


def test_sweep_redispatches_lost_messages_and_expired_leases(sessions: sessionmaker[Session]) -> None:
    recorder = Recorder()
    with sessions.begin() as session:
        lost = enqueue(session, "demo", "lost", dispatcher=None)  # never dispatched
        crashed = enqueue(session, "demo", "crashed", dispatcher=None)
        later = enqueue(session, "demo", "later", dispatcher=None, run_after=utcnow() + dt.timedelta(hours=1))
        session.execute(
            update(JobStep)
            .where(JobStep.id == crashed)
            .values(state=StepState.RUNNING, lease_owner="gone", lease_expires_at=utcnow() - dt.timedelta(1))
        )
    assert sorted(sweep(sessions, recorder)) == sorted([lost, crashed])
    assert sweep(sessions, recorder) == [crashed]  # lost was just dispatched; crashed is still unclaimed
    assert later not in recorder.ids


def test_inline_worker_runs_steps_and_the_steps_they_enqueue(sessions: sessionmaker[Session]) -> None:
    registry = StepRegistry()

    def first(context: StepContext) -> None:
        with context.finish() as session:
            session.execute(outcome.insert().values(subject=context.subject, worker="first"))
            enqueue(session, "second", context.subject, dispatcher=context.dispatcher)

    registry.register("first", first)
    registry.register("second", _record)
    worker = InlineWorker(sessions, registry, threads=2, sweep_every=0.2).start()
    try:
        with sessions.begin() as session:
            for n in range(10):
                enqueue(session, "first", f"s{n}", dispatcher=worker)
        assert worker.wait_idle(10)
    finally:
        worker.stop()
    assert sorted(_completions(sessions)) == sorted([f"s{n}" for n in range(10)] * 2)


def test_periodic_steps_run_once_per_period_whichever_sweep_comes_first(
    sessions: sessionmaker[Session],
) -> None:
    registry = StepRegistry()
    registry.register_periodic("hourly", _record, every=dt.timedelta(hours=1))
    recorder = Recorder()
    first = sweep(sessions, recorder, registry=registry)
    second = sweep(sessions, recorder, registry=registry)  # another worker's sweep, same hour
    assert len(first) == 1 and second == []
    assert run_step(sessions, registry, first[0])
    assert sweep(sessions, recorder, registry=registry) == []
    assert [s.startswith("period-") for s in _completions(sessions)] == [True]


def test_a_broker_outage_after_commit_leaves_the_step_for_the_sweep(sessions: sessionmaker[Session]) -> None:
    class Down:
        def dispatch(self, step_ids: Iterable[int]) -> None:
            raise ConnectionError("broker unreachable")

    with sessions.begin() as session:
        step = enqueue(session, "demo", "a", dispatcher=Down())  # the caller's commit still succeeds
    with sessions.begin() as session:  # 30 s later the sweep sends it again
        session.execute(update(JobStep).values(dispatched_at=utcnow() - dt.timedelta(minutes=1)))
    recorder = Recorder()
    assert sweep(sessions, recorder) == [step]
