"""docs/server.md documents every setting, command and policy page troth serve has."""

from __future__ import annotations

from pathlib import Path

from troth.settings import Settings
from troth.web._cli import admin_app, audit_app, db_app

DOC = (Path(__file__).parents[2] / "docs" / "server.md").read_text()


def test_every_setting_is_documented():
    missing = [name for name in Settings.model_fields if f"`TROTH_{name.upper()}`" not in DOC]
    assert missing == []


def test_every_command_is_documented():
    for group, name in ((admin_app, "admin"), (db_app, "db"), (audit_app, "audit")):
        for command in group.registered_commands:
            assert f"troth {name} " in DOC and (command.name or "") in DOC
    for command in ("troth serve", "troth run", "troth admin token create", "troth admin user create"):
        assert command in DOC


def test_every_policy_page_is_documented(app_client):
    for path in app_client.app.openapi()["paths"]:
        if path.startswith("/privacy") and not path.startswith("/privacy-center"):
            assert f"`GET {path.replace('{number}', '{n}')}" in DOC, path
