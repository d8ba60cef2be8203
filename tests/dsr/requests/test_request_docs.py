"""docs/requests.md stays true to the code: every state, API route, limit and the worker command."""

from __future__ import annotations

from pathlib import Path

from troth.dsr.requests import DOWNLOAD_DAYS
from troth.dsr.requests._intake import MAX_PER_ADDRESS_PER_HOUR, MAX_PER_CLIENT_PER_HOUR
from troth.dsr.requests._states import TRANSITIONS
from troth.dsr.requests._verification import CODES_PER_HOUR

DOC = (Path(__file__).resolve().parents[3] / "docs" / "requests.md").read_text()


def test_every_state_is_explained() -> None:
    assert [state for state in TRANSITIONS if f"| `{state}` |" not in DOC] == []


def test_every_api_route_is_documented() -> None:
    from troth.dsr._center_api import api_router

    paths = {route.path for route in api_router.routes}  # type: ignore[attr-defined]
    assert paths == {
        "/api/v1/requests",
        "/api/v1/requests/{request_id}/verify",
        "/api/v1/requests/{request_id}",
    }
    assert "POST $TROTH/api/v1/requests" in DOC and "/verify" in DOC and "?token=" in DOC


def test_the_limits_in_the_docs_are_the_limits_in_the_code() -> None:
    assert f"{MAX_PER_ADDRESS_PER_HOUR}\n  submissions per address per hour" in DOC
    assert f"{MAX_PER_CLIENT_PER_HOUR} per client address per hour" in DOC
    assert f"at most {CODES_PER_HOUR} codes per request per hour" in DOC
    assert f"works for {DOWNLOAD_DAYS} days" in DOC
    assert "troth worker --config troth.yaml" in DOC
