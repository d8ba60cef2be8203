"""`troth dsr plan|access|erase|rectify|restrict`: run the request engine from a terminal.

Thin: parse, call the engine, print a summary. Connection URLs come from the
environment variables the declaration's datasets name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from troth._errors import DeclarationError, TrothError

if TYPE_CHECKING:
    from rich.console import Console

    from troth.connectors import Connector
    from troth.declaration import Declaration
    from troth.dsr.engine import Kind, RunResult

__all__ = ["register"]

app = typer.Typer(help="Find, export, erase, correct and restrict one person's data.", no_args_is_help=True)

Identity = Annotated[
    list[str], typer.Option("--identity", "-i", help="kind=value, e.g. email=ann@example.org (repeatable)")
]
Config = Annotated[Path, typer.Option("--config", "-c", help="the declaration")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="show what would change; change nothing")]


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(1)


def _declaration(config: Path) -> Declaration:
    from troth.declaration import read

    try:
        return read(config).declaration
    except DeclarationError as exc:
        for problem in exc.problems:
            typer.echo(problem.render(), err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        raise _fail(f"{config}: cannot read the declaration: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _connectors(declaration: Declaration) -> Iterator[dict[str, Connector]]:
    from troth.connectors import open_connector

    opened: dict[str, Connector] = {}
    try:
        for dataset in declaration.datasets:
            opened[dataset.id] = open_connector(dataset)
        yield opened
    finally:
        for connector in opened.values():
            connector.close()


@contextlib.contextmanager
def _progress(console: Console) -> Iterator[Callable[[str, int], None]]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("planning", total=None)

        def report(step: str, rows: int) -> None:
            bar.update(task, description=step, advance=rows)

        yield report


def _guarded(action: Callable[[], None]) -> None:
    try:
        action()
    except TrothError as exc:
        raise _fail(str(exc)) from None


@app.command()
def plan(identity: Identity, config: Config = Path("troth.yaml")) -> None:
    """Explain which collections a request reads, in what order, by which keys."""
    from troth.dsr.engine import make_plan, parse_identities

    def run() -> None:
        made = make_plan(_declaration(config), parse_identities(identity))
        typer.echo("\n".join(made.explain()))

    _guarded(run)


@app.command()
def access(
    identity: Identity,
    config: Config = Path("troth.yaml"),
    out: Annotated[Path, typer.Option("--out", "-o", help="the archive to write")] = Path("export.zip"),
) -> None:
    """Export everything held about a person: data.json, CSVs, index.html, manifest.json."""
    from rich.table import Table

    from troth.dsr.engine import export_subject, parse_identities

    def run() -> None:
        declaration = _declaration(config)
        identities = parse_identities(identity)
        console = _console()
        partial = out.with_name(out.name + ".partial")
        try:
            with (
                _connectors(declaration) as connectors,
                _progress(console) as progress,
                partial.open("wb") as handle,
            ):
                result = export_subject(declaration, connectors, identities, handle, progress=progress)
        except BaseException:
            partial.unlink(missing_ok=True)  # never leave half an archive of someone's data behind
            raise
        partial.replace(out)
        table = Table("Collection", "Rows", title=f"Exported to {out}")
        for name, count in result.counts.items():
            table.add_row(name, str(count))
        console.print(table)
        for entry in result.plan.unreachable:
            console.print(f"[yellow]not reachable[/]: {entry[0]}.{entry[1]}: {entry[2]}")

    _guarded(run)


def _execute(config: Path, identity: list[str], kind: Kind, dry_run: bool, **options: Any) -> None:
    from troth.dsr.engine import execute, parse_identities
    from troth.settings import Settings
    from troth.store import open_store

    declaration = _declaration(config)
    identities = parse_identities(identity)
    settings = Settings.for_declaration(config)
    sessions = open_store(settings)
    console = _console()
    with _connectors(declaration) as connectors, _progress(console) as progress:
        result = execute(
            sessions=sessions,
            secret=settings.secret_key,
            declaration=declaration,
            connectors=connectors,
            kind=kind,
            identities=identities,
            dry_run=dry_run,
            progress=progress,
            actor="cli",
            **options,
        )
    _summary(console, result)


def _summary(console: Console, result: RunResult) -> None:
    from rich.table import Table

    verb = "Would" if result.dry_run else "Done"
    title = f"{verb}: {result.kind}" + (
        f" (run {result.run_id}{', resumed' if result.resumed else ''})" if result.run_id else ""
    )
    table = Table(
        "Collection",
        "Deleted",
        "Anonymised",
        "Updated",
        "Retained",
        "Mentions",
        "Why kept / note",
        title=title,
    )
    for o in result.outcomes:
        why = f"{o.get('reason', '')} (until {o['until']})" if o.get("until") else o.get("note", "")
        table.add_row(
            f"{o['dataset']}.{o['collection']}",
            *(
                str(o.get(k, 0) or "")
                for k in ("deleted", "anonymised", "updated", "retained", "mentions_redacted")
            ),
            why,
        )
    console.print(table)
    for entry in result.unreachable:
        console.print(f"[yellow]not reachable[/]: {entry['collection']}: {entry['reason']}")


@app.command()
def erase(identity: Identity, config: Config = Path("troth.yaml"), dry_run: DryRun = False) -> None:
    """Erase a person's data (children first; legal holds kept and reported). Resumes an unfinished run."""
    _guarded(lambda: _execute(config, identity, "erase", dry_run))


@app.command()
def rectify(
    identity: Identity,
    changes: Annotated[list[str], typer.Option("--set", help="category_or_field=value (repeatable)")],
    config: Config = Path("troth.yaml"),
    dry_run: DryRun = False,
) -> None:
    """Correct every copy of a field, e.g. --set contact.email=new@example.org."""
    from troth.dsr.engine import parse_changes

    _guarded(lambda: _execute(config, identity, "rectify", dry_run, changes=parse_changes(changes)))


@app.command()
def restrict(
    identity: Identity,
    config: Config = Path("troth.yaml"),
    lift: Annotated[bool, typer.Option("--lift", help="lift an earlier restriction")] = False,
    reason: Annotated[str, typer.Option("--reason", help="recorded with the restriction")] = "",
    dry_run: DryRun = False,
) -> None:
    """Restrict processing of a person's data (a flag troth reports, plus any declared column)."""
    _guarded(lambda: _execute(config, identity, "lift" if lift else "restrict", dry_run, reason=reason))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="dsr")
