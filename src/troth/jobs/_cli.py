"""`troth worker`: run background steps (requests, recipient webhooks, the hourly round).

With `TROTH_BROKER_URL` (redis://… or amqp://…) it is a Celery worker: run as
many as you like, on as many machines, against one PostgreSQL. Without it,
it runs the in-process worker in the foreground (useful beside a `troth
serve` started with its own worker disabled, or for a one-machine setup).
"""

from __future__ import annotations

import gc
import signal
import socket
import threading
from pathlib import Path
from typing import Annotated

import typer

from troth._errors import DeclarationError, TrothError

__all__ = ["register"]


def _fail(exc: TrothError) -> typer.Exit:
    if isinstance(exc, DeclarationError):
        for problem in exc.problems:
            typer.echo(problem.render(), err=True)
    else:
        typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def worker(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="the declaration (a file, or a folder with troth.yaml)")
    ] = Path("troth.yaml"),
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="steps run at once (Celery: 1 runs them in this process, more in that many pool processes)",
        ),
    ] = 2,
    name: Annotated[str, typer.Option(help="worker name (Celery node name)")] = "",
) -> None:
    """Run background steps until stopped (Ctrl-C or SIGTERM)."""
    from troth.dsr.requests._desk import RequestDesk
    from troth.settings import Settings
    from troth.web import Runtime

    if not config.exists():
        raise _fail(TrothError(f"no declaration at {config}; pass --config path/to/troth.yaml"))
    try:
        runtime = Runtime.start(Settings.for_declaration(config))
        desk = RequestDesk(
            runtime.settings, runtime.sessions, lambda: runtime.loaded.declaration, threads=concurrency
        )
    except TrothError as exc:
        raise _fail(exc) from None
    signal.signal(signal.SIGHUP, lambda *_: runtime.reload_logged())
    # What start-up built lives as long as the worker: keep it out of full GC passes
    # (forked Celery children inherit the frozen heap too).
    gc.collect()
    gc.freeze()
    node = name or f"troth-{socket.gethostname()}"
    if runtime.settings.broker_url:
        typer.echo(
            f"troth worker {node}: Celery on {_safe(runtime.settings.broker_url)}, {concurrency} at once"
        )
        try:
            desk.run_celery(concurrency=concurrency, name=f"{node}@%h")
        finally:
            desk.stop()
        return
    typer.echo(f"troth worker {node}: in-process, {concurrency} at once (set TROTH_BROKER_URL for Celery)")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    desk.start()
    try:
        while not stopped.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        desk.stop()


def _safe(url: str) -> str:
    """The broker URL without its password, for the log."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
