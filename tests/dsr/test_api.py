"""The engine's and connectors' public names: changing them is a decision, not an accident."""

from __future__ import annotations

import troth.connectors
import troth.dsr.engine


def test_engine_exports() -> None:
    assert sorted(troth.dsr.engine.__all__) == [
        "AccessResult", "DsrRestriction", "DsrRun", "DsrStep", "Identities", "Kind", "LookupSpec", "Outcome",
        "Plan", "PlanError", "RunResult", "erasure_order", "execute", "export_subject", "is_restricted",
        "make_plan", "parse_changes", "parse_identities",
    ]  # fmt: skip


def test_connector_exports() -> None:
    assert sorted(troth.connectors.__all__) == [
        "Connector", "Delete", "EnsureRow", "Fault", "Lookup", "MySQLConnector", "Operation", "PostgresConnector",
        "Relink", "Remote", "Rewrite", "SQLiteConnector", "SqlConnector", "Update", "UpdateEach",
        "WebhookConnector", "open_connector", "sign", "verify",
    ]  # fmt: skip
