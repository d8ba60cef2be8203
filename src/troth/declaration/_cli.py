"""`troth check`: validate a declaration and run the compliance rules.

Output is one line per problem, `file:line:col: SEVERITY TROTHnnn message`, or a
JSON document with `--format json`. Exit status: 0 when there is no error
(warnings allowed), 1 when there is one (`--strict` counts warnings), 2 for a
wrong command line. Only the loader and the rules are imported here, so that
the command stays fast.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from troth._errors import DeclarationError, Problem

__all__ = ["register"]


def _as_json(file: Path, problems: list[Problem]) -> str:
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
    summary = {
        "file": str(file),
        "errors": sum(p.severity == "error" for p in problems),
        "warnings": sum(p.severity == "warning" for p in problems),
        "problems": rows,
    }
    return json.dumps(summary, indent=2, ensure_ascii=False)


def _explain(rule_id: str) -> None:
    from troth.declaration._lint import all_rules

    rules = all_rules()
    found = rules.get(rule_id.strip().upper())
    if found is None:
        typer.echo(f"unknown rule `{rule_id}`; the rules are {', '.join(rules)}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{found.id} ({found.severity}): {found.summary}\n\n{found.explanation}")


def _problems(file: Path) -> list[Problem]:
    """Loading problems when the file cannot be loaded, else the rules' findings."""
    from troth.declaration._lint import run
    from troth.declaration._loader import read

    try:
        loaded = read(file)
    except DeclarationError as exc:
        return exc.problems
    return run(loaded)


def check(
    file: Annotated[
        Path, typer.Argument(help="the declaration (a file, or a folder with troth.yaml)")
    ] = Path("troth.yaml"),
    strict: Annotated[bool, typer.Option("--strict", help="treat warnings as errors")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    explain: Annotated[
        str | None, typer.Option("--explain", help="explain a rule, e.g. TROTH101", metavar="ID")
    ] = None,
) -> None:
    """Validate a declaration and run the compliance rules."""
    if explain:
        _explain(explain)
        return
    if fmt not in {"text", "json"}:
        typer.echo(f"--format must be text or json, not {fmt}", err=True)
        raise typer.Exit(2)
    problems = _problems(file)
    if strict:
        problems = [
            dataclasses.replace(p, severity="error") if p.severity == "warning" else p for p in problems
        ]
    errors = sum(p.severity == "error" for p in problems)
    if fmt == "json":
        typer.echo(_as_json(file, problems))
    else:
        for problem in problems:
            typer.echo(problem.render())
        warnings = sum(p.severity == "warning" for p in problems)
        typer.echo(f"{file}: {errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(check)
