"""The request lifecycle: intake, identity verification, deadlines, execution, results.

    ctx = RequestContext(settings, declaration, dispatcher=worker)
    with sessions.begin() as session:
        submission = submit(session, ctx, kind="access", email="ana@example.com", jurisdiction="gdpr")
    # the person types the emailed code ...
    with sessions.begin() as session:
        request = get_request(session, submission.request.id)
        check_code(session, ctx, request, purpose="subject", code="123456")

States and their moves are in `_states.py`; each service is a plain function
over an explicit session and context. Background steps (execution, recipient
webhooks, the hourly round) run on `troth.jobs` workers.
"""

from troth.dsr.requests._assertions import assertion_key, sign_assertion, verify_assertion
from troth.dsr.requests._context import ContextProvider, RequestContext, identity_hash, status_token_for
from troth.dsr.requests._deadlines import (
    Deadlines,
    add_business_days,
    add_months,
    deadlines_for,
    next_working_day,
)
from troth.dsr.requests._execution import (
    ENGINE_KINDS,
    PROPAGATE,
    PROPAGATED_KINDS,
    ExecutionResult,
    Executor,
    complete_if_done,
    register_execution,
)
from troth.dsr.requests._housekeeping import HOUSEKEEPING, Round, housekeeping_round, register_housekeeping
from troth.dsr.requests._intake import REQUEST_KINDS, Agent, Submission, offered_kinds, status_request, submit
from troth.dsr.requests._models import (
    ArchiveChunk,
    DsrRequest,
    Note,
    RecipientTask,
    RequestResult,
    Verification,
)
from troth.dsr.requests._results import DOWNLOAD_DAYS, destroy_archive, downloadable, read_archive
from troth.dsr.requests._review import (
    EXECUTE,
    add_note,
    approve,
    close_task,
    deny,
    extend,
    get_request,
    rerun,
    retry_task,
)
from troth.dsr.requests._states import CLOSED, DESCRIPTIONS, OPEN, State
from troth.dsr.requests._verification import (
    Outcome,
    check_code,
    check_link,
    mark_verified,
    start_verification,
)
from troth.jobs import StepRegistry

__all__ = [
    "CLOSED",
    "DESCRIPTIONS",
    "DOWNLOAD_DAYS",
    "ENGINE_KINDS",
    "EXECUTE",
    "HOUSEKEEPING",
    "OPEN",
    "PROPAGATE",
    "PROPAGATED_KINDS",
    "REQUEST_KINDS",
    "Agent",
    "ArchiveChunk",
    "ContextProvider",
    "Deadlines",
    "DsrRequest",
    "ExecutionResult",
    "Executor",
    "Note",
    "Outcome",
    "RecipientTask",
    "RequestContext",
    "RequestResult",
    "Round",
    "State",
    "Submission",
    "Verification",
    "add_business_days",
    "add_months",
    "add_note",
    "approve",
    "assertion_key",
    "check_code",
    "check_link",
    "close_task",
    "complete_if_done",
    "deadlines_for",
    "deny",
    "destroy_archive",
    "downloadable",
    "extend",
    "get_request",
    "housekeeping_round",
    "identity_hash",
    "mark_verified",
    "next_working_day",
    "offered_kinds",
    "read_archive",
    "register_steps",
    "rerun",
    "retry_task",
    "sign_assertion",
    "start_verification",
    "status_request",
    "status_token_for",
    "submit",
    "verify_assertion",
]


def register_steps(registry: StepRegistry, provide: ContextProvider, executor: Executor) -> None:
    """Register every background step of the request lifecycle with a worker's registry."""
    register_execution(registry, provide, executor)
    register_housekeeping(registry, provide)
