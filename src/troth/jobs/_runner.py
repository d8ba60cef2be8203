"""The step runner: claim a step under a lease, run its handler, finish it exactly once.

A step is a row in `job_step`. Any worker (the in-process one, or a Celery
worker on another machine) runs a step the same way:

1. **claim** — one UPDATE moves the step to `running` under a fresh lease
   token, only if it is pending and due, or running with an expired lease; a
   step two workers race for is claimed by exactly one;
2. **run** — the handler does its (idempotent) work; a heartbeat renews the
   lease while it runs, so a slow step is not stolen;
3. **finish** — the handler writes its state change inside `context.finish()`,
   and in the same transaction the step is marked done *only if the lease is
   still ours*. A worker that lost its lease (it was paused, or presumed dead)
   rolls back instead of finishing a second time.

A killed worker leaves a running step with a lease that expires; the sweep
finds it and dispatches it again. A lost message leaves a pending step that
the sweep dispatches too. Handlers must therefore be safe to run again.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine, Executable, bindparam, case, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from troth._errors import TrothError
from troth.jobs._models import JobStep, StepState
from troth.store import Base, autocommit, utcnow

__all__ = [
    "Dispatcher",
    "LeaseLostError",
    "StepContext",
    "StepHandler",
    "StepRegistry",
    "enqueue",
    "run_step",
    "sweep",
]

log = logging.getLogger("troth.jobs")

DEFAULT_LEASE = dt.timedelta(seconds=30)
MAX_ATTEMPTS = 5
#: a pending step not picked up this long after dispatch is dispatched again
REDISPATCH_AFTER = dt.timedelta(seconds=30)


_STEPS = Base.metadata.tables[JobStep.__tablename__]
# The claim and the finish run once per step: plain Core statements, built once, skip the ORM's
# per-call statement building and in-session synchronisation (no JobStep objects are loaded here).
_CLAIM = (
    update(_STEPS)
    .where(
        _STEPS.c.id == bindparam("step_id"),
        or_(
            (_STEPS.c.state == StepState.PENDING) & (_STEPS.c.run_after <= bindparam("now")),
            (_STEPS.c.state == StepState.RUNNING) & (_STEPS.c.lease_expires_at < bindparam("now")),
        ),
    )
    .values(
        state=StepState.RUNNING,
        lease_owner=bindparam("owner"),
        lease_expires_at=bindparam("expires"),
        attempts=_STEPS.c.attempts + 1,
    )
    .returning(_STEPS.c.id, _STEPS.c.kind, _STEPS.c.subject, _STEPS.c.attempts)
)
_FINISH = (
    update(_STEPS)
    .where(
        _STEPS.c.id == bindparam("step_id"),
        _STEPS.c.state == StepState.RUNNING,
        _STEPS.c.lease_owner == bindparam("owner"),
    )
    .values(state=StepState.DONE, finished_at=bindparam("now"), lease_owner=None, error=None)
)


def _engine(sessions: sessionmaker[Session]) -> Engine:
    bind: Engine = sessions.kw["bind"]
    return bind


class Dispatcher(Protocol):
    """Hands step ids to whatever runs them (an in-process queue, or Celery)."""

    def dispatch(self, step_ids: Iterable[int]) -> None: ...


class LeaseLostError(TrothError):
    """The step was taken over by another worker: this worker's result is discarded."""

    code = "lease_lost"


class StepHandler(Protocol):
    def __call__(self, context: StepContext) -> None: ...


#: called in its own transaction when a step has failed for the last time
FailureHook = Callable[[Session, str, str], None]


@dataclass
class StepRegistry:
    """Which handler runs which kind of step, and what to do when one fails for good."""

    handlers: dict[str, StepHandler] = field(default_factory=dict)
    on_failure: dict[str, FailureHook] = field(default_factory=dict)
    #: kinds run periodically: one step per period, whichever worker's sweep creates it first
    periodic: dict[str, dt.timedelta] = field(default_factory=dict)

    def register(self, kind: str, handler: StepHandler, *, on_failure: FailureHook | None = None) -> None:
        self.handlers[kind] = handler
        if on_failure is not None:
            self.on_failure[kind] = on_failure

    def register_periodic(self, kind: str, handler: StepHandler, *, every: dt.timedelta) -> None:
        self.handlers[kind] = handler
        self.periodic[kind] = every


@dataclass
class StepContext:
    """What a handler sees: its step, the store, and `finish()` to commit its outcome."""

    step_id: int
    kind: str
    subject: str
    attempt: int
    sessions: sessionmaker[Session]
    dispatcher: Dispatcher | None
    lease_owner: str
    finished: bool = False

    @contextmanager
    def finish(self) -> Iterator[Session]:
        """A transaction that commits the handler's outcome together with the step's completion."""
        with self.sessions.begin() as session:
            yield session
            session.flush()
            done = session.connection().execute(
                _FINISH, {"step_id": self.step_id, "owner": self.lease_owner, "now": utcnow()}
            )
            if done.rowcount != 1:
                raise LeaseLostError(f"step {self.kind}:{self.subject} was taken over by another worker")
        self.finished = True


@functools.cache
def _upsert(dialect: str, dispatch: bool) -> Executable:
    """The statement `enqueue` runs, built once per dialect and kind (it takes its values as parameters)."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    fresh = insert(_STEPS).values(
        kind=bindparam("kind"),
        subject=bindparam("subject"),
        state=StepState.PENDING,
        attempts=0,
        run_after=bindparam("when"),
        dispatched_at=bindparam("dispatched"),
        created_at=bindparam("now"),
    )
    finished = _STEPS.c.state.in_([StepState.DONE, StepState.FAILED])
    statement = fresh.on_conflict_do_update(
        index_elements=[_STEPS.c.kind, _STEPS.c.subject],
        set_={
            "state": case((finished, StepState.PENDING), else_=_STEPS.c.state),
            "attempts": case((finished, 0), else_=_STEPS.c.attempts),
            "error": case((finished, None), else_=_STEPS.c.error),
            "finished_at": case((finished, None), else_=_STEPS.c.finished_at),
            "run_after": fresh.excluded.run_after,
            "dispatched_at": fresh.excluded.dispatched_at if dispatch else _STEPS.c.dispatched_at,
        },
    ).returning(_STEPS.c.id)
    return statement


def enqueue(
    session: Session,
    kind: str,
    subject: str,
    *,
    dispatcher: Dispatcher | None,
    run_after: dt.datetime | None = None,
) -> int:
    """Add (or re-arm) the step `kind` for `subject`; it is dispatched once the transaction commits.

    One statement (an upsert): a new step is pending; a finished or failed one is
    pending again from its first attempt; a pending or running one keeps its state.
    Returns the step's id.
    """
    now = utcnow()
    when = run_after or now
    dispatch = dispatcher is not None and when <= now
    connection = session.connection()
    values = {
        "kind": kind,
        "subject": subject,
        "when": when,
        "dispatched": now if dispatch else None,
        "now": now,
    }
    step_id: int = connection.execute(_upsert(connection.dialect.name, dispatch), values).scalar_one()
    if dispatcher is not None and dispatch:
        _dispatch_after_commit(session, dispatcher, step_id)
    return step_id


def _dispatch_after_commit(session: Session, dispatcher: Dispatcher, step_id: int) -> None:
    pending: list[int] | None = session.info.get("troth.jobs.pending")
    if pending is None:
        pending = session.info["troth.jobs.pending"] = []

        def _send(committed: Session) -> None:
            ids = committed.info.pop("troth.jobs.pending", [])
            if not ids:
                return
            try:
                dispatcher.dispatch(ids)
            except Exception:  # e.g. the broker is down: the committed steps wait for the next sweep
                log.exception("could not dispatch steps %s now; the sweep will", ids)

        def _drop(rolled_back: Session, _transaction: object) -> None:
            rolled_back.info.pop("troth.jobs.pending", None)

        event.listen(session, "after_commit", _send, once=True)
        event.listen(session, "after_soft_rollback", _drop, once=True)
    pending.append(step_id)


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    subject: str
    attempts: int


def _claim(sessions: sessionmaker[Session], step_id: int, lease: dt.timedelta) -> tuple[str, _Claimed] | None:
    owner = uuid.uuid4().hex
    now = utcnow()
    with autocommit(sessions).connect() as connection:
        # one statement claims and reads (UPDATE … RETURNING: PostgreSQL, SQLite ≥ 3.35)
        row = connection.execute(
            _CLAIM, {"step_id": step_id, "now": now, "owner": owner, "expires": now + lease}
        ).first()
    if row is None:
        return None
    return owner, _Claimed(row.id, row.kind, row.subject, row.attempts)


@dataclass
class _Lease:
    sessions: sessionmaker[Session]
    length: dt.timedelta
    due: float  # when (monotonic) to renew it next


class _LeaseKeeper:
    """One thread per process renews the leases of the steps running in it, every third of a lease.

    A step registers on start and leaves on finish (a dictionary entry each), so
    the common step, done in milliseconds, never renews and costs no thread of
    its own. Made afresh in a forked process (a pool child inherits no thread).
    """

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._changed = threading.Condition()
        self._active: dict[tuple[int, str], _Lease] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def hold(
        self, sessions: sessionmaker[Session], step_id: int, owner: str, length: dt.timedelta
    ) -> Iterator[None]:
        key = (step_id, owner)
        with self._changed:
            self._active[key] = _Lease(sessions, length, time.monotonic() + length.total_seconds() / 3)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._renew, daemon=True, name="troth-lease")
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._active.pop(key, None)

    def _renew(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [(key, lease) for key, lease in self._active.items() if lease.due <= now]
                for _key, lease in due:
                    lease.due = now + lease.length.total_seconds() / 3
                if not due:
                    soonest = min((lease.due for lease in self._active.values()), default=now + 60.0)
                    self._changed.wait(max(soonest - now, 0.01))
                    continue
            for (step_id, owner), lease in due:
                try:
                    with autocommit(lease.sessions).connect() as connection:
                        connection.execute(
                            _RENEW, {"step_id": step_id, "owner": owner, "expires": utcnow() + lease.length}
                        )
                except Exception:  # the store is unreachable: the next round tries again
                    log.exception("could not renew the lease of step %s", step_id)


_RENEW = (
    update(_STEPS)
    .where(_STEPS.c.id == bindparam("step_id"), _STEPS.c.lease_owner == bindparam("owner"))
    .values(lease_expires_at=bindparam("expires"))
)
_keeper: _LeaseKeeper | None = None


def _leases() -> _LeaseKeeper:
    global _keeper
    if _keeper is None or _keeper._pid != os.getpid():
        _keeper = _LeaseKeeper()
    return _keeper


def run_step(
    sessions: sessionmaker[Session],
    registry: StepRegistry,
    step_id: int,
    *,
    dispatcher: Dispatcher | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> bool:
    """Run step `step_id` if it is ours to run; True when this call finished it."""
    claim = _claim(sessions, step_id, lease)
    if claim is None:
        return False
    owner, step = claim
    handler = registry.handlers.get(step.kind)
    context = StepContext(step.id, step.kind, step.subject, step.attempts, sessions, dispatcher, owner)
    try:
        if handler is None:
            raise TrothError(f"no handler for steps of kind {step.kind!r} in this worker")
        with _leases().hold(sessions, step.id, owner, lease):
            handler(context)
        if not context.finished:
            with context.finish():
                pass
    except LeaseLostError as exc:
        log.warning("%s", exc)
        return False
    except Exception as exc:
        _record_failure(sessions, registry, step, owner, exc)
        return False
    return True


def _record_failure(
    sessions: sessionmaker[Session], registry: StepRegistry, step: _Claimed, owner: str, exc: Exception
) -> None:
    message = str(exc) if isinstance(exc, TrothError) else f"{type(exc).__name__}: {exc}"
    final = step.attempts >= MAX_ATTEMPTS
    log.warning("step %s:%s attempt %d failed: %s", step.kind, step.subject, step.attempts, message)
    with sessions.begin() as session:
        changed = session.execute(
            update(JobStep)
            .where(JobStep.id == step.id, JobStep.lease_owner == owner)
            .values(
                state=StepState.FAILED if final else StepState.PENDING,
                lease_owner=None,
                lease_expires_at=None,
                error=message,
                run_after=utcnow() + dt.timedelta(seconds=2**step.attempts),
            )
        )
        hook = registry.on_failure.get(step.kind)
        if final and hook is not None and getattr(changed, "rowcount", 0) == 1:
            hook(session, step.subject, message)


def _schedule_periodic(sessions: sessionmaker[Session], registry: StepRegistry, now: dt.datetime) -> None:
    """Make sure this period's step of each periodic kind exists (the unique key keeps it to one)."""
    for kind, every in registry.periodic.items():
        period = int(now.timestamp() // every.total_seconds())
        subject = f"period-{period}"
        with sessions.begin() as session:
            exists = session.scalar(
                select(JobStep.id).where(JobStep.kind == kind, JobStep.subject == subject)
            )
            if exists is not None:
                continue
            try:
                with session.begin_nested():
                    session.add(JobStep(kind=kind, subject=subject, state=StepState.PENDING, run_after=now))
            except IntegrityError:  # another worker's sweep created it first
                pass


def sweep(
    sessions: sessionmaker[Session],
    dispatcher: Dispatcher,
    *,
    registry: StepRegistry | None = None,
    limit: int = 500,
) -> list[int]:
    """Dispatch every step that is due and not running, or whose lease expired; returns their ids.

    With a `registry`, also creates the current period's step of each periodic kind.
    """
    now = utcnow()
    if registry is not None:
        _schedule_periodic(sessions, registry, now)
    with sessions.begin() as session:
        due = list(
            session.scalars(
                select(JobStep.id)
                .where(
                    or_(
                        (JobStep.state == StepState.PENDING)
                        & (JobStep.run_after <= now)
                        & or_(
                            JobStep.dispatched_at.is_(None),
                            JobStep.dispatched_at < now - REDISPATCH_AFTER,
                            # a retry whose backoff has passed since its last dispatch
                            JobStep.dispatched_at < JobStep.run_after,
                        ),
                        (JobStep.state == StepState.RUNNING) & (JobStep.lease_expires_at < now),
                    )
                )
                .order_by(JobStep.run_after)
                .limit(limit)
            )
        )
        if due:
            session.execute(update(JobStep).where(JobStep.id.in_(due)).values(dispatched_at=now))
    if due:
        dispatcher.dispatch(due)
    return due
