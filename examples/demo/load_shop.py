"""Create the demo shop's SQLite database from shop.sql, once (used by `make run`).

Usage: python examples/demo/load_shop.py PATH.db   (does nothing when PATH.db exists)
SQLite cannot add a foreign key after the fact, so the ALTER TABLE statements
(which PostgreSQL and MariaDB use for the customer ↔ address cycle) are skipped.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def statements(sql: str) -> list[str]:
    out: list[str] = []
    current = ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


def main() -> None:
    target = Path(sys.argv[1])
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    sql = (Path(__file__).parent / "shop.sql").read_text()
    with sqlite3.connect(target) as connection:
        for statement in statements(sql):
            if not statement.upper().startswith("ALTER TABLE"):
                connection.execute(statement)
    print(f"demo shop database created at {target}")


if __name__ == "__main__":
    main()
