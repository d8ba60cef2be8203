"""The request state machine: which state may follow which, and what each means to a person.

    received → verifying → verified → approved → running → completed
                  │            │                    │
                  └→ expired   └→ denied            └→ failed → running (re-run)

`denied` carries a reason shown to the person; `expired` is a request nobody
verified in time (or one locked after too many wrong codes); `failed` keeps
the error and resumes where it stopped when re-run.
"""

from __future__ import annotations

from troth._errors import ConflictError

__all__ = ["CLOSED", "OPEN", "TRANSITIONS", "State", "check_transition"]


class State:
    RECEIVED = "received"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    APPROVED = "approved"
    RUNNING = "running"
    COMPLETED = "completed"
    DENIED = "denied"
    EXPIRED = "expired"
    FAILED = "failed"


TRANSITIONS: dict[str, frozenset[str]] = {
    State.RECEIVED: frozenset({State.VERIFYING, State.VERIFIED, State.DENIED, State.EXPIRED}),
    State.VERIFYING: frozenset({State.VERIFIED, State.DENIED, State.EXPIRED}),
    State.VERIFIED: frozenset({State.APPROVED, State.DENIED}),
    State.APPROVED: frozenset({State.RUNNING, State.DENIED}),
    State.RUNNING: frozenset({State.COMPLETED, State.FAILED}),
    State.FAILED: frozenset({State.RUNNING, State.DENIED}),
    State.COMPLETED: frozenset(),
    State.DENIED: frozenset(),
    State.EXPIRED: frozenset(),
}

#: states in which the deadline still runs
OPEN = frozenset(
    {State.RECEIVED, State.VERIFYING, State.VERIFIED, State.APPROVED, State.RUNNING, State.FAILED}
)
CLOSED = frozenset({State.COMPLETED, State.DENIED, State.EXPIRED})

#: what the status page says about each state
DESCRIPTIONS: dict[str, str] = {
    State.RECEIVED: "We have received your request.",
    State.VERIFYING: "We are waiting for you to confirm your email address.",
    State.VERIFIED: "Your identity is confirmed; the request is waiting for review.",
    State.APPROVED: "Your request has been approved and will be carried out shortly.",
    State.RUNNING: "We are carrying out your request.",
    State.COMPLETED: "Your request is complete.",
    State.DENIED: "We could not carry out your request.",
    State.EXPIRED: "This request was not confirmed and has expired.",
    State.FAILED: "Carrying out your request hit a problem; our team is on it.",
}


def check_transition(request_id: str, current: str, target: str) -> None:
    """Refuse a move the state machine does not allow, saying what is possible instead."""
    allowed = TRANSITIONS.get(current, frozenset())
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "nothing (it is closed)"
        raise ConflictError(
            f"request {request_id} is {current}: it cannot become {target}; from {current} it can become {options}"
        )
