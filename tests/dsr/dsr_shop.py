"""The demo shop (examples/demo) loaded into SQLite, PostgreSQL or MariaDB, and its declaration."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from troth.connectors import Connector, open_connector
from troth.declaration import Declaration, read_text

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
SECRET = "test-secret-key-for-the-request-engine-0123456789"

HEADER = """
troth: 1
organization:
  legal_name: Demo Shop Ltd
  website: https://shop.example.com
  contact_email: privacy@shop.example.com
  country: GB
  jurisdictions: [uk_gdpr]
purposes:
  - {id: orders, name: Orders, lawful_basis: contract, categories: [contact.email]}
rights:
  jurisdictions: {uk_gdpr: {offered: [access, erasure]}}
  channels: [{kind: email, address: privacy@shop.example.com}]
age: {minimum: 16}
policy: {version: "2024-06", effective_date: 2024-06-01}
"""


def declaration(datasets_yaml: str, *, schema: str = "") -> Declaration:
    loaded = read_text(HEADER + datasets_yaml, source="test.yaml")
    d = loaded.declaration
    if not schema:
        return d
    return d.model_copy(
        update={"datasets": [ds.model_copy(update={"db_schema": schema}) for ds in d.datasets]}
    )


def demo_declaration(schema: str = "") -> Declaration:
    return declaration((DEMO / "datasets.yaml").read_text(), schema=schema)


def statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*\n", body) if s.strip()]


def load_sql(engine: Engine, sql: str, *, schema: str = "") -> None:
    with engine.begin() as connection:
        if schema:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            connection.exec_driver_sql(f'SET search_path TO "{schema}"')
        for statement in statements(sql):
            if engine.dialect.name == "sqlite" and statement.upper().startswith("ALTER TABLE"):
                continue
            connection.exec_driver_sql(statement.rstrip(";"))


@dataclass
class Shop:
    url: str
    schema: str
    declaration: Declaration
    engine: Engine

    def connectors(self) -> dict[str, Connector]:
        return {
            d.id: open_connector(d, {"DEMO_SHOP_DATABASE_URL": self.url}) for d in self.declaration.datasets
        }

    def table(self, name: str) -> str:
        return f'"{self.schema}".{name}' if self.schema else name

    def rows(self, table: str, order: str = "id") -> list[tuple[object, ...]]:
        with self.engine.connect() as connection:
            return [
                tuple(r)
                for r in connection.execute(text(f"SELECT * FROM {self.table(table)} ORDER BY {order}"))
            ]

    def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        tables = [
            "customer",
            "address",
            "orders",
            "order_item",
            "invoice",
            "post",
            "revision",
            "comment",
            "conversation",
            "message",
            "event_log",
            "mailing_list",
            "login_event",
        ]
        return {t: [tuple(str(v) for v in row) for row in self.rows(t)] for t in tables}


def sqlite_shop(path: Path) -> Shop:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    load_sql(engine, (DEMO / "shop.sql").read_text())
    return Shop(url, "", demo_declaration(), engine)


def postgres_shop(url: str) -> Shop:
    schema = f"troth_dsr_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url)
    load_sql(engine, (DEMO / "shop.sql").read_text(), schema=schema)
    return Shop(url, schema, demo_declaration(schema), engine)


def mariadb_shop(url: str) -> Shop:
    database = f"troth_dsr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{database}`")
    admin.dispose()
    own = url.rsplit("/", 1)[0] + f"/{database}"
    engine = create_engine(own)
    load_sql(engine, (DEMO / "shop.sql").read_text())
    return Shop(own, "", demo_declaration(), engine)


def drop_shop(shop: Shop) -> None:
    with shop.engine.begin() as connection:
        if shop.engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f'DROP SCHEMA "{shop.schema}" CASCADE')
        elif shop.engine.dialect.name == "mysql":
            connection.exec_driver_sql(f"DROP DATABASE `{shop.engine.url.database}`")
    shop.engine.dispose()
