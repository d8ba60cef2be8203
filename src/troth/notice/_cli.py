"""`troth render` and `troth run`: the policy and the registers, written to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from troth._errors import DeclarationError, TrothError

if TYPE_CHECKING:
    from troth.declaration import LoadedDeclaration

__all__ = ["register"]

#: where `troth run` writes the demo site, beside the declaration
SITE_DIR = Path(".troth") / "site"
DEMO = Path("examples") / "demo" / "troth.yaml"

_FILE = typer.Argument(help="the declaration (a file, or a folder with troth.yaml)")


def _read(file: Path) -> LoadedDeclaration:
    """Load the declaration or print its problems and exit 1 (never a traceback)."""
    from troth.declaration import read

    try:
        return read(file)
    except DeclarationError as exc:
        for problem in exc.problems:
            typer.echo(problem.render(), err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"{file}: cannot read the declaration: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None


def _write(loaded_file: Path, out: Path, fmt: str) -> list[Path]:
    from troth.notice._bundle import write_bundle

    loaded = _read(loaded_file)
    try:
        return write_bundle(loaded.declaration, out, fmt=fmt)
    except TrothError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def render(
    file: Annotated[Path, _FILE] = Path("troth.yaml"),
    out: Annotated[
        Path, typer.Option("--out", "-o", help="folder to write into (created if missing)")
    ] = Path("policy"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="policy format: html, md or txt")] = "html",
) -> None:
    """Render the privacy policy and the registers (RoPA, recipients, cookies, policy.json)."""
    if fmt not in {"html", "md", "txt"}:
        typer.echo(f"--format must be html, md or txt, not {fmt!r}", err=True)
        raise typer.Exit(2)
    for path in _write(file, out, fmt):
        typer.echo(str(path))


def run(file: Annotated[Path, _FILE] = DEMO) -> None:
    """Check the declaration, then render its policy and registers into .troth/site/."""
    from troth.declaration import _lint

    loaded = _read(file)
    problems = _lint.run(loaded)
    for problem in problems:
        typer.echo(problem.render(), err=True)
    if any(p.severity == "error" for p in problems):
        typer.echo(f"{file}: fix the errors above, then run again", err=True)
        raise typer.Exit(1)
    base = (file if file.is_dir() else file.parent) / SITE_DIR
    written = _write(file, base, "html")
    typer.echo(f"checked {file}: {len(problems)} warning(s)")
    typer.echo(f"policy and registers written to {base}/")
    typer.echo(f"open {written[0].resolve().as_uri()}")


def register(app: typer.Typer) -> None:
    app.command()(render)
    app.command()(run)
