"""Run Alembic programmatically on an engine (no alembic.ini needed).

`troth serve` upgrades on every start. When the store already records exactly
the heads of the migration files, that is known without importing Alembic (the
files are read for their `revision` and `down_revision` only), which keeps a
restart fast. A new, empty SQLite store is built in one transaction from a
snapshot of what the migrations create (see `_snapshot.py`), again without
Alembic. Anything else goes through Alembic.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["alembic_config", "current_revisions", "downgrade", "script_heads", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
_VERSION_TABLE = "alembic_version"
_PARSING = threading.Lock()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _assigned(tree: ast.Module) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in {"revision", "down_revision"}:
                found[name] = ast.literal_eval(node.value)
    return found


def script_heads() -> set[str] | None:
    """The revisions no other migration builds on, read from the files; None if any file is unclear."""
    # CPython 3.11's parser is not safe to run from several threads at once.
    with _PARSING:
        return _script_heads()


def _script_heads() -> set[str] | None:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        try:
            values = _assigned(ast.parse(path.read_text(), str(path)))
        except (SyntaxError, ValueError):
            return None
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(item) for item in down)
        elif down is not None:
            return None
    return revisions - parents


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return set()
        return {str(row[0]) for row in connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}"))}


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply migrations up to `revision` (every feature's head by default)."""
    if revision == "heads":
        heads = script_heads()
        current = current_revisions(engine)
        if heads and current == heads:
            return
        from troth.store._snapshot import apply_snapshot

        if not current and apply_snapshot(engine, heads):
            return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
