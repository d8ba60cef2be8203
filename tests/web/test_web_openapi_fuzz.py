"""schemathesis against /openapi.json: no 5xx and no response outside its documented schema.

Bounded: a few examples per operation (every feature's API included),
derandomised, so it runs in seconds and fails the same way twice.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from troth.web._accounts import create_token

EXAMPLES_PER_OPERATION = 4


def test_api_answers_within_its_schema(app_client: Any) -> None:
    runtime = app_client.app.state.runtime
    with runtime.sessions.begin() as session:
        _, token = create_token(session, name="fuzz", role="owner")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app_client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    calls = 0

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        check()
    assert len(operations) <= calls <= EXAMPLES_PER_OPERATION * len(operations)
