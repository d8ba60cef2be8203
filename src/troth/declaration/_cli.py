"""`troth check`: validate a declaration and run the compliance rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from troth._errors import DeclarationError, Problem

__all__ = ["register"]


def _print_problems(problems: list[Problem], fmt: str) -> None:
    if fmt == "json":
        rows = [
            {
                "file": p.location.file,
                "line": p.location.line,
                "column": p.location.column,
                "severity": p.severity,
                "code": p.code,
                "message": p.message,
                "path": p.path,
                "hint": p.hint,
            }
            for p in problems
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for p in problems:
        typer.echo(p.render())


def check(
    file: Annotated[
        Path, typer.Argument(help="the declaration (a file, or a folder with troth.yaml)")
    ] = Path("troth.yaml"),
    strict: Annotated[bool, typer.Option("--strict", help="treat warnings as errors")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    explain: Annotated[str | None, typer.Option("--explain", help="explain a rule, e.g. TROTH101")] = None,
) -> None:
    """Validate a declaration and run the compliance rules."""
    from troth.declaration import _lint, read

    if explain:
        rule = _lint.RULES.get(explain.upper())
        if rule is None:
            typer.echo(f"unknown rule {explain}; rules are {', '.join(sorted(_lint.RULES))}", err=True)
            raise typer.Exit(2)
        typer.echo(f"{rule.id} ({rule.severity}): {rule.summary}\n\n{rule.explanation}")
        return
    if fmt not in {"text", "json"}:
        typer.echo("--format must be text or json", err=True)
        raise typer.Exit(2)
    try:
        loaded = read(file)
    except DeclarationError as exc:
        _print_problems(exc.problems, fmt)
        raise typer.Exit(1) from None
    problems = _lint.run(loaded)
    _print_problems(problems, fmt)
    failing = [p for p in problems if p.severity == "error" or (strict and p.severity == "warning")]
    if fmt == "text":
        warnings = sum(p.severity == "warning" for p in problems)
        errors = sum(p.severity == "error" for p in problems)
        typer.echo(f"{file}: {errors} error(s), {warnings} warning(s)", err=True)
    if failing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(check)
