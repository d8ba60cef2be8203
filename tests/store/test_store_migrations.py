"""troth's store: migrations from empty to every head and back, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from troth import ConfigurationError, StoreError
from troth.settings import Settings
from troth.store import current_revisions, downgrade, make_engine, normalise_url, open_store, upgrade, utcnow
from troth.store._migrate import alembic_config, script_heads

CORE_TABLES = {
    "audit_events",
    "audit_head",
    "admin_users",
    "api_tokens",
    "admin_sessions",
    "login_links",
    "login_failures",
    "policy_versions",
    "outbox_messages",
}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_upgrade_from_empty_and_are_reversible(store_url):
    engine = make_engine(store_url)
    try:
        assert _tables(engine) == set()
        upgrade(engine)
        heads = current_revisions(engine)
        script = ScriptDirectory.from_config(alembic_config(engine))
        assert heads == set(script.get_heads())  # every feature's head is applied
        assert script_heads() == heads  # the quick check on start agrees with Alembic
        assert _tables(engine) >= CORE_TABLES
        downgrade(engine, "base")
        assert _tables(engine) == set()
        assert current_revisions(engine) == set()
        upgrade(engine, "0001_core")
        assert _tables(engine) == CORE_TABLES
        upgrade(engine)  # and on to the other features' heads
        assert current_revisions(engine) == heads
    finally:
        engine.dispose()


def test_open_store_migrates_once_and_round_trips_aware_times(store_url, tmp_path):
    settings = Settings(database_url=store_url, secret_key="s" * 40, state_dir=tmp_path)
    sessions = open_store(settings)
    again = open_store(settings)  # already at heads: a no-op
    try:
        from troth.web._models import AdminUser

        moment = dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        with sessions.begin() as session:
            session.add(AdminUser(name="ana", role="admin", password_hash="", last_login_at=moment))
        with again() as session:
            stored = session.scalars(select(AdminUser.last_login_at)).one()
        assert stored == moment and stored.tzinfo == dt.UTC
        with pytest.raises(Exception, match="aware"), sessions.begin() as session:
            session.add(
                AdminUser(name="bo", role="admin", password_hash="", last_login_at=dt.datetime(2026, 1, 1))
            )
    finally:
        sessions.kw["bind"].dispose()
        again.kw["bind"].dispose()


def test_sqlite_store_runs_in_wal_mode(tmp_path):
    sessions = open_store(
        Settings(database_url=f"sqlite:///{tmp_path / 'deep' / 'state.db'}", secret_key="s" * 40)
    )
    try:
        with sessions() as session:
            assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        sessions.kw["bind"].dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_are_normalised(given, expected):
    assert normalise_url(given) == expected


@pytest.mark.parametrize("bad", ["mysql://root@h/db", "state.db", "redis://h"])
def test_unsupported_store_urls_are_refused_clearly(bad):
    with pytest.raises(ConfigurationError):
        normalise_url(bad)


def test_an_unreachable_store_is_a_store_error():
    with pytest.raises(StoreError, match="cannot open troth's store"):
        open_store(Settings(database_url="postgresql://nobody@127.0.0.1:1/none", secret_key="s" * 40))


def test_embedded_defaults_live_beside_the_declaration(tmp_path, monkeypatch, caplog):
    for name in list(os.environ):
        if name.startswith("TROTH_"):
            monkeypatch.delenv(name)
    declaration = tmp_path / "site" / "troth.yaml"
    declaration.parent.mkdir()
    settings = Settings.for_declaration(declaration)
    state = tmp_path / "site" / ".troth"
    assert settings.state_dir == state.resolve()
    assert settings.database_url == f"sqlite:///{state.resolve() / 'state.db'}"
    key_file = state / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings.secret_key == key_file.read_text().strip() and len(settings.secret_key) >= 48
    assert "generated one" in caplog.text
    assert Settings.for_declaration(declaration).secret_key == settings.secret_key  # kept, not regenerated
    assert not settings.secure_cookies


@pytest.mark.parametrize("secret", ["", "changeme", "short-secret"])
def test_production_refuses_a_missing_or_weak_secret(tmp_path: Path, monkeypatch, secret):
    monkeypatch.setenv("TROTH_ENVIRONMENT", "production")
    monkeypatch.setenv("TROTH_SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="TROTH_SECRET_KEY"):
        Settings.for_declaration(tmp_path / "troth.yaml")
    assert not (tmp_path / ".troth" / "secret_key").exists()


def test_settings_come_from_troth_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("TROTH_ENVIRONMENT", "production")
    monkeypatch.setenv("TROTH_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("TROTH_DATABASE_URL", "postgresql://troth@db/troth")
    monkeypatch.setenv("TROTH_BASE_URL", "https://privacy.example.com")
    monkeypatch.setenv("TROTH_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("TROTH_SMTP_PORT", "2525")
    settings = Settings.for_declaration(tmp_path / "troth.yaml")
    assert settings.database_url == "postgresql://troth@db/troth"
    assert (settings.smtp_host, settings.smtp_port) == ("mail.example.com", 2525)
    assert settings.secure_cookies and settings.delivers_by_smtp
    assert utcnow().tzinfo == dt.UTC
