"""`troth render`: the policy and the registers, written to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from troth._errors import DeclarationError, TrothError

if TYPE_CHECKING:
    from troth.declaration import LoadedDeclaration

__all__ = ["register"]

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


def register(app: typer.Typer) -> None:
    app.command()(render)
