"""Compliance rules over a valid declaration.

A rule has a stable id (`TROTH1nn`), a severity, a one-line summary, a longer
explanation citing the obligation behind it, and a check that yields
`(path, message)` pairs. Rules are defined in `_rules_*.py` modules and
registered with `@rule(...)`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from troth._errors import Problem
from troth.declaration._jurisdictions import GDPR_LAWS

if TYPE_CHECKING:
    from troth.declaration._declaration import Declaration
    from troth.declaration._loader import LoadedDeclaration

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "all_rules",
    "eu_audience",
    "rule",
    "rules_markdown",
    "run",
    "sells_or_shares",
]

#: (path into the declaration, message)
Finding = tuple[tuple[str | int, ...], str]
Check = Callable[["Declaration"], Iterator[Finding]]


Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    explanation: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(id: str, severity: Severity, summary: str, explanation: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if id in RULES:
            raise RuntimeError(f"rule {id} registered twice")
        RULES[id] = Rule(id, severity, summary, textwrap.dedent(explanation).strip(), check)
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, by id in order, once each `_rules_*` module is imported."""
    import importlib
    import pkgutil

    import troth.declaration as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_rules_"):
            importlib.import_module(f"troth.declaration.{info.name}")
    return dict(sorted(RULES.items()))


def eu_audience(declaration: Declaration) -> bool:
    """Whether the EU or UK GDPR (and with them the ePrivacy rules) apply."""
    return bool(GDPR_LAWS & declaration.jurisdictions)


def sells_or_shares(declaration: Declaration) -> bool:
    """Whether any purpose sells or shares personal information (CCPA sense)."""
    return any(p.sold or p.shared for p in declaration.purposes)


def run(loaded: LoadedDeclaration, *, only: set[str] | None = None) -> list[Problem]:
    """Every finding of every rule (or of `only`), sorted by location."""
    from troth.declaration._loader import format_path

    problems: list[Problem] = []
    for current in all_rules().values():
        if only is not None and current.id not in only:
            continue
        for path, message in current.check(loaded.declaration):
            problems.append(
                Problem(
                    location=loaded.where(*path),
                    path=format_path(path),
                    message=message,
                    code=current.id,
                    severity=current.severity,
                )
            )
    return sorted(problems, key=lambda p: (p.location, p.code))


def rules_markdown() -> str:
    """The rule reference, `docs/rules.md`, generated from the rules themselves."""
    rules = all_rules().values()
    out = [
        "# Compliance rules",
        "",
        "`troth check` validates a declaration, then runs these rules over it. Each finding is printed as",
        "`file:line:col: SEVERITY TROTHnnn message`. Errors make `troth check` exit with status 1;",
        "warnings do not, unless `--strict` is given. `troth check --explain TROTHnnn` prints a rule's",
        "explanation. This page is generated from the rules (`troth.declaration._lint.rules_markdown`).",
        "",
        "| id | severity | summary |",
        "| --- | --- | --- |",
        *(f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.summary} |" for r in rules),
    ]
    for r in rules:
        out += ["", f"## {r.id}", "", f"**{r.summary}** ({r.severity})", "", r.explanation]
    return "\n".join(out) + "\n"
