"""`troth serve`, `troth run`, `troth admin`, `troth db`, `troth audit`: thin wrappers over services."""

from __future__ import annotations

import gc
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from troth._errors import DeclarationError, TrothError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from troth.settings import Settings

__all__ = ["register"]

Config = Annotated[
    Path, typer.Option("--config", "-c", help="the declaration (a file, or a folder with troth.yaml)")
]
admin_app = typer.Typer(help="Admin access: API tokens and console users.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (Authorization: Bearer).", no_args_is_help=True)
user_app = typer.Typer(help="Console users.", no_args_is_help=True)
db_app = typer.Typer(help="troth's own store: migrations.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
admin_app.add_typer(token_app, name="token")
admin_app.add_typer(user_app, name="user")


def _fail(exc: TrothError) -> typer.Exit:
    if isinstance(exc, DeclarationError):
        for problem in exc.problems:
            typer.echo(problem.render(), err=True)
    else:
        typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _settings(config: Path) -> Settings:
    from troth.settings import Settings

    if not config.exists():
        raise _fail(TrothError(f"no declaration at {config}; pass --config path/to/troth.yaml"))
    try:
        return Settings.for_declaration(config)
    except TrothError as exc:
        raise _fail(exc) from None


def _store(config: Path) -> tuple[Settings, sessionmaker[Session]]:
    from troth.store import open_store

    settings = _settings(config)
    try:
        return settings, open_store(settings)
    except TrothError as exc:
        raise _fail(exc) from None


# ------------------------------------------------------------------ serve / run


def _serve(
    config: Path, host: str, port: int, log_level: str, *, owner_link: bool, access_log: bool = True
) -> None:
    import uvicorn

    from troth.web import Runtime, create_app

    settings = _settings(config)
    if settings.base_url == "http://127.0.0.1:8000" and (host, port) != ("127.0.0.1", 8000):
        settings.base_url = f"http://{host}:{port}"
    try:
        runtime = Runtime.start(settings)
    except TrothError as exc:
        raise _fail(exc) from None
    app = create_app(runtime, background=True)
    # Everything built so far lives as long as the process: keep it out of the
    # collector's full passes, which otherwise stall busy consent ingest.
    gc.collect()
    gc.freeze()
    typer.echo(f"troth serving {config} at {settings.base_url}  (policy: {settings.base_url}/privacy)")
    if owner_link:
        typer.echo(f"one-time admin login link (15 minutes): {_owner_link(runtime.sessions, settings)}")
    # troth speaks plain HTTP only: no WebSocket stack to import (a large share of start-up time).
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        proxy_headers=True,
        server_header=False,
        ws="none",
    )


def _owner_link(sessions: sessionmaker[Session], settings: Settings) -> str:
    from sqlalchemy import select

    from troth.web._accounts import create_login_link, create_user
    from troth.web._models import AdminUser

    with sessions.begin() as session:
        owner = session.scalars(select(AdminUser).where(AdminUser.role == "owner", AdminUser.active)).first()
        if owner is None:
            owner = create_user(session, name="owner", role="owner")
        token = create_login_link(session, owner)
    return f"{settings.base_url.rstrip('/')}/admin/login/{token}"


def serve(
    config: Config = Path("troth.yaml"),
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="log every request (off by default: the reverse proxy in front keeps that log; writing it "
            "adds about 40% to the CPU a consent decision costs)",
        ),
    ] = False,
) -> None:
    """Serve the policy pages, the APIs and the admin console."""
    _serve(config, host, port, log_level, owner_link=False, access_log=access_log)


def run(
    declaration: Annotated[Path, typer.Argument(help="the declaration")] = Path("troth.yaml"),
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve on the embedded default and print a one-time admin login link (`make run`)."""
    _serve(declaration, host, port, "info", owner_link=True)


# ------------------------------------------------------------------ admin


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="what uses the token, e.g. ci")],
    role: Annotated[str, typer.Option(help="owner, admin, agent or auditor")] = "auditor",
    config: Config = Path("troth.yaml"),
) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    from troth import audit
    from troth.web._accounts import create_token

    settings, sessions = _store(config)
    try:
        with sessions.begin() as session:
            row, clear = create_token(session, name=name, role=role)
            audit.record(
                session,
                secret=settings.secret_key,
                actor="cli",
                action="token.create",
                detail={"name": row.name, "role": row.role},
            )
    except TrothError as exc:
        raise _fail(exc) from None
    typer.echo(clear)
    typer.echo(f"token `{name}` ({role}) created; it is not shown again", err=True)


@token_app.command("list")
def token_list(config: Config = Path("troth.yaml")) -> None:
    """List API tokens (names and roles, never the tokens)."""
    from sqlalchemy import select

    from troth.web._models import ApiToken

    _, sessions = _store(config)
    with sessions() as session:
        for row in session.scalars(select(ApiToken).order_by(ApiToken.name)):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            typer.echo(f"{row.name}\t{row.role}\t{state}")


@token_app.command("revoke")
def token_revoke(name: str, config: Config = Path("troth.yaml")) -> None:
    """Revoke an API token by name."""
    from troth import audit
    from troth.web._accounts import revoke_token

    settings, sessions = _store(config)
    try:
        with sessions.begin() as session:
            revoke_token(session, name=name)
            audit.record(
                session, secret=settings.secret_key, actor="cli", action="token.revoke", detail={"name": name}
            )
    except TrothError as exc:
        raise _fail(exc) from None
    typer.echo(f"token `{name}` revoked")


@user_app.command("create")
def user_create(
    name: str,
    role: Annotated[str, typer.Option(help="owner, admin, agent or auditor")] = "agent",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
    link: Annotated[bool, typer.Option("--link", help="no password: print a one-time login link")] = False,
    config: Config = Path("troth.yaml"),
) -> None:
    """Create a console user (argon2-hashed password, or a one-time login link)."""
    from troth import audit
    from troth.web._accounts import create_login_link, create_user

    password = ""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not link:
        password = getpass.getpass("password (12+ characters): ")
    settings, sessions = _store(config)
    try:
        with sessions.begin() as session:
            user = create_user(session, name=name, role=role, password=password)
            audit.record(
                session,
                secret=settings.secret_key,
                actor="cli",
                action="user.create",
                detail={"name": user.name, "role": user.role},
            )
            token = create_login_link(session, user) if link else ""
    except TrothError as exc:
        raise _fail(exc) from None
    typer.echo(f"user `{name}` ({role}) created")
    if token:
        typer.echo(f"one-time login link (15 minutes): {settings.base_url.rstrip('/')}/admin/login/{token}")


# ------------------------------------------------------------------ db


@db_app.command("upgrade")
def db_upgrade(config: Config = Path("troth.yaml")) -> None:
    """Apply every migration (each feature's head)."""
    from troth.store import current_revisions

    _, sessions = _store(config)
    typer.echo("store at " + ", ".join(sorted(current_revisions(sessions.kw["bind"]))))


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="target revision, e.g. 0001_core, or base")],
    config: Config = Path("troth.yaml"),
) -> None:
    """Undo migrations down to `revision` (base drops every table troth made)."""
    from troth.store import current_revisions, downgrade, make_engine

    engine = make_engine(_settings(config).database_url)
    downgrade(engine, revision)
    typer.echo("store at " + (", ".join(sorted(current_revisions(engine))) or "base (empty)"))


@db_app.command("current")
def db_current(config: Config = Path("troth.yaml")) -> None:
    """Show the applied revisions."""
    from troth.store import current_revisions, make_engine

    engine = make_engine(_settings(config).database_url)
    typer.echo(", ".join(sorted(current_revisions(engine))) or "base (empty)")


# ------------------------------------------------------------------ audit


@audit_app.command("verify")
def audit_verify(config: Config = Path("troth.yaml")) -> None:
    """Recompute the hash chain; report the first broken link (exit 1)."""
    from troth.audit import verify

    settings, sessions = _store(config)
    with sessions() as session:
        count, problem = verify(session, secret=settings.secret_key)
    if problem is not None:
        typer.echo(f"BROKEN after {count} good event(s): {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {count} event(s), chain intact")


@audit_app.command("export")
def audit_export(
    config: Config = Path("troth.yaml"),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default stdout)")
    ] = None,
) -> None:
    """Write every audit event as JSON lines, oldest first."""
    from troth.audit import export_lines

    _, sessions = _store(config)
    with sessions() as session:
        if output is None:
            for line in export_lines(session):
                typer.echo(line)
            return
        with output.open("w") as out:
            count = 0
            for line in export_lines(session):
                out.write(line + "\n")
                count += 1
    typer.echo(f"wrote {count} event(s) to {output}", err=True)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(run)
    app.add_typer(admin_app, name="admin")
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
