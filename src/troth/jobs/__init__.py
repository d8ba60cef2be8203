"""Background work: one idempotent step function over state in troth's store.

    step_id = enqueue(session, "dsr.execute", request_id, dispatcher=worker)
    # after commit the dispatcher hands the step id to a worker, which calls
    run_step(sessions, registry, step_id)

On the embedded default an `InlineWorker` runs steps on threads in the web
process; with `TROTH_BROKER_URL` set, `troth worker` runs them as Celery tasks
on any number of machines. Both run the same `run_step`.
"""

from troth.jobs._inline import InlineWorker
from troth.jobs._models import JobStep, StepState
from troth.jobs._runner import (
    Dispatcher,
    LeaseLostError,
    StepContext,
    StepHandler,
    StepRegistry,
    enqueue,
    run_step,
    sweep,
)

__all__ = [
    "Dispatcher",
    "InlineWorker",
    "JobStep",
    "LeaseLostError",
    "StepContext",
    "StepHandler",
    "StepRegistry",
    "StepState",
    "enqueue",
    "run_step",
    "sweep",
]
