"""The `troth` command: thin — parse, call a service, print.

Command modules are imported only when their command runs, so that quick
commands such as `troth check` stay fast (no web or database imports).
Each module listed here exposes `register(app: typer.Typer) -> None`.
"""

from __future__ import annotations

import importlib
import sys

import typer

__all__ = ["COMMANDS", "build_app", "main"]

#: command name → module that registers it
COMMANDS: dict[str, str] = {
    "check": "troth.declaration._cli",
    "render": "troth.notice._cli",
    "run": "troth.web._cli",
    "serve": "troth.web._cli",
    "admin": "troth.web._cli",
    "db": "troth.web._cli",
    "audit": "troth.web._cli",
    "dsr": "troth.dsr._cli",
    "worker": "troth.jobs._cli",
}


def build_app(only: str | None = None) -> typer.Typer:
    app = typer.Typer(
        name="troth",
        help="Privacy policy as code: one declaration, every promise kept.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    # A callback keeps `troth` a group even when only one command module is
    # imported, so `troth check FILE` parses the same as with every command loaded.
    @app.callback()
    def _root() -> None:
        """Privacy policy as code: one declaration, every promise kept."""

    modules = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a command whose module is not part of this build
        module.register(app)
    return app


def main() -> None:
    only = sys.argv[1] if len(sys.argv) > 1 else None
    build_app(only)()


if __name__ == "__main__":
    main()
