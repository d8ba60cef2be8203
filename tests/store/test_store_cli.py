"""`troth db` and `troth admin` on the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from troth.cli import build_app

SECRET = "cli-test-" + "s" * 40


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(build_app(args[0]), list(args), input=input)


def test_db_upgrade_current_and_downgrade(declaration_file: Path, monkeypatch):
    monkeypatch.setenv("TROTH_SECRET_KEY", SECRET)
    config = ("-c", str(declaration_file))
    assert _run("db", "current", *config).output.strip() == "base (empty)"
    upgraded = _run("db", "upgrade", *config)
    assert upgraded.exit_code == 0 and "0001_core" not in upgraded.output  # later features build on it
    assert _run("db", "current", *config).output.strip() == upgraded.output.strip().removeprefix("store at ")
    down = _run("db", "downgrade", "base", *config)
    assert down.exit_code == 0 and "base (empty)" in down.output


def test_admin_tokens_and_users(declaration_file: Path, monkeypatch):
    monkeypatch.setenv("TROTH_SECRET_KEY", SECRET)
    config = ("-c", str(declaration_file))
    created = _run("admin", "token", "create", "--name", "ci", "--role", "admin", *config)
    assert created.exit_code == 0 and created.stdout.startswith("troth_")
    assert "not shown again" in created.stderr
    twice = _run("admin", "token", "create", "--name", "ci", "--role", "admin", *config)
    assert twice.exit_code == 1 and "exists already" in twice.output
    bad_role = _run("admin", "token", "create", "--name", "x", "--role", "root", *config)
    assert bad_role.exit_code == 1 and "unknown role `root`" in bad_role.output
    assert "ci\tadmin\tactive" in _run("admin", "token", "list", *config).output
    assert _run("admin", "token", "revoke", "ci", *config).exit_code == 0
    assert "ci\tadmin\trevoked" in _run("admin", "token", "list", *config).output

    user = _run(
        "admin", "user", "create", "ana", "--role", "owner", "--password-stdin", *config, input="short\n"
    )
    assert user.exit_code == 1 and "too short" in user.output
    user = _run(
        "admin",
        "user",
        "create",
        "ana",
        "--role",
        "owner",
        "--password-stdin",
        *config,
        input="a long passphrase\n",
    )
    assert user.exit_code == 0 and "user `ana` (owner) created" in user.output
    link = _run("admin", "user", "create", "bea", "--role", "agent", "--link", *config)
    assert "/admin/login/" in link.output
    verify = _run("audit", "verify", *config)
    # token.create, token.revoke and two user.create: each change is in the chain
    assert "ok: 4 event(s)" in verify.output


def test_a_missing_declaration_is_a_clear_error(tmp_path: Path):
    answer = _run("db", "upgrade", "-c", str(tmp_path / "nope.yaml"))
    assert answer.exit_code == 1 and "no declaration at" in answer.output


def test_serve_refuses_a_broken_declaration_or_bad_settings_without_a_traceback(
    declaration_file: Path, monkeypatch
):
    text = declaration_file.read_text()
    declaration_file.write_text(text.replace("lawful_basis: contract", "lawful_basis: contrakt", 1))
    broken = _run("serve", "--config", str(declaration_file))
    assert broken.exit_code == 1
    assert f"{declaration_file}:" in broken.output and "contrakt" in broken.output
    declaration_file.write_text(text)
    monkeypatch.setenv("TROTH_SMTP_PORT", "many")
    bad = _run("serve", "--config", str(declaration_file))
    assert bad.exit_code == 1 and "TROTH_SMTP_PORT" in bad.output
    assert "Traceback" not in broken.output + bad.output
    monkeypatch.setenv("TROTH_SMTP_PORT", "25")
    monkeypatch.setenv("TROTH_ENVIRONMENT", "production")
    monkeypatch.delenv("TROTH_SECRET_KEY", raising=False)
    production = _run("serve", "--config", str(declaration_file))
    assert production.exit_code == 1 and "TROTH_SECRET_KEY is missing" in production.output


def test_a_store_that_does_not_match_is_a_message_not_a_traceback(declaration_file: Path, monkeypatch):
    import sqlite3

    monkeypatch.setenv("TROTH_SECRET_KEY", SECRET)
    assert _run("db", "upgrade", "-c", str(declaration_file)).exit_code == 0
    with sqlite3.connect(declaration_file.parent / ".troth" / "state.db") as db:
        db.execute("ALTER TABLE policy_versions RENAME TO policy_versions_old")
    answer = _run("serve", "--config", str(declaration_file))
    assert answer.exit_code == 1
    assert "does not answer as expected" in answer.output and "Traceback" not in answer.output
