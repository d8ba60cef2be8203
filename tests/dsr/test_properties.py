"""Properties over generated shops: erasure of A touches only what is A's; access shows all erasure acts on."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

from dsr_shop import SECRET, declaration, load_sql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from troth.connectors import open_connector
from troth.dsr.engine import execute, export_subject, parse_identities
from troth.store import make_engine, upgrade

SCHEMA = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(100));
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id), note TEXT);
CREATE TABLE order_item (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id), product TEXT);
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                      issued_at DATE NOT NULL, name VARCHAR(100) NOT NULL);
CREATE TABLE message (id INTEGER PRIMARY KEY, sender_id INTEGER REFERENCES customer (id), body TEXT NOT NULL)
"""

DATASETS = """
datasets:
  - id: shop
    connection_env: SHOP_URL
    collections:
      - name: customer
        tombstone: {id: 0, email: erased@invalid}
        fields:
          - {name: id, erase: delete_row}
          - {name: email, identity: email, categories: [contact.email]}
          - {name: name, categories: [identity.name]}
      - name: orders
        fields:
          - {name: id, erase: delete_row}
          - {name: customer_id, references: {collection: customer}, required: true}
          - {name: note, categories: [commercial.orders], contains: [email]}
      - name: order_item
        fields:
          - {name: id, erase: delete_row}
          - {name: order_id, references: {collection: orders}, required: true}
          - {name: product, categories: [commercial.orders]}
      - name: invoice
        fields:
          - {name: id, erase: delete_row}
          - {name: customer_id, references: {collection: customer}, required: true, erase: tombstone}
          - {name: issued_at, erase: keep, keep: {reason: tax law, period: 10 years, since: issued_at}}
          - {name: name, categories: [identity.name], erase: keep, keep: {reason: tax law, period: 10 years, since: issued_at}}
      - name: message
        fields:
          - {name: id, erase: delete_row}
          - {name: sender_id, references: {collection: customer}}
          - {name: body, categories: [content.messages], contains: [email]}
"""

TABLES = ["customer", "orders", "order_item", "invoice", "message"]

shops = st.integers(min_value=2, max_value=4).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "customers": st.just(n),
            "orders": st.lists(st.integers(1, n), max_size=6),
            "items": st.lists(st.integers(0, 5), max_size=8),
            "invoices": st.lists(
                st.tuples(st.integers(1, n), st.sampled_from(["2012-01-01", "2024-06-01"])), max_size=3
            ),
            "messages": st.lists(
                st.tuples(st.integers(1, n), st.lists(st.integers(1, n), max_size=2)), max_size=5
            ),
        }
    )
)


def _build(path: Path, data: dict[str, object]) -> str:
    n = data["customers"]
    rows = [f"INSERT INTO customer VALUES ({i}, 'c{i}@example.org', 'Customer {i}')" for i in range(1, n + 1)]  # type: ignore[operator]
    orders = data["orders"]
    for i, owner in enumerate(orders, 1):  # type: ignore[arg-type]
        rows.append(f"INSERT INTO orders VALUES ({i}, {owner}, 'for c{owner}@example.org')")
    for i, order in enumerate(data["items"], 1):  # type: ignore[arg-type]
        if order < len(orders):  # type: ignore[arg-type]
            rows.append(f"INSERT INTO order_item VALUES ({i}, {order + 1}, 'tea {i}')")
    for i, (owner, issued) in enumerate(data["invoices"], 1):  # type: ignore[arg-type]
        rows.append(f"INSERT INTO invoice VALUES ({i}, {owner}, '{issued}', 'Customer {owner}')")
    for i, (sender, mentioned) in enumerate(data["messages"], 1):  # type: ignore[arg-type]
        body = "hi " + " and ".join(f"c{m}@example.org" for m in mentioned)
        rows.append(f"INSERT INTO message VALUES ({i}, {sender}, '{body}')")
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    load_sql(engine, SCHEMA + ";\n" + ";\n".join(rows) + ";\n")
    engine.dispose()
    return url


def _dump(url: str) -> dict[str, dict[int, tuple[object, ...]]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        out = {t: {r[0]: tuple(r) for r in connection.exec_driver_sql(f"SELECT * FROM {t}")} for t in TABLES}
    engine.dispose()
    return out


def _a_owns(table: str, row: tuple[object, ...], before: dict[str, dict[int, tuple[object, ...]]]) -> bool:
    """Whether the row belongs to customer 1 (directly or through its order)."""
    if table == "customer":
        return row[0] == 1
    if table in ("orders", "invoice"):
        return row[1] == 1
    if table == "order_item":
        return before["orders"][row[1]][1] == 1  # type: ignore[index]
    return row[1] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shops)
def test_erasure_changes_only_what_is_the_subjects_and_access_shows_it_all(data: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = _build(Path(folder) / "shop.db", data)
        store_engine = make_engine(f"sqlite:///{folder}/store.db")
        upgrade(store_engine)
        d = declaration(DATASETS)
        connectors = {ds.id: open_connector(ds, {"SHOP_URL": url}) for ds in d.datasets}
        subject = parse_identities(["email=c1@example.org"])
        before = _dump(url)

        archive = io.BytesIO()
        export_subject(d, connectors, subject, archive)
        exported = json.loads(zipfile.ZipFile(archive).read("data.json"))["datasets"].get("shop", {})
        seen = {t: {r["id"] for r in exported.get(t, {}).get("rows", [])} for t in TABLES}

        result = execute(
            sessions=sessionmaker(store_engine),
            secret=SECRET,
            declaration=d,
            connectors=connectors,
            kind="erase",
            identities=subject,
        )
        after = _dump(url)
        for connector in connectors.values():
            connector.close()
        store_engine.dispose()

    retained = {o["collection"]: o["retained"] for o in result.outcomes}
    for table in TABLES:
        for key, row in before[table].items():
            mine = _a_owns(table, row, before)
            mentions = "c1@example.org" in " ".join(map(str, row))
            if not mine and not mentions:
                assert after[table].get(key) == row, f"{table} {key} belonged to others and changed"
            if mentions and not mine:
                assert after[table][key][0] == key, f"{table} {key} mentioning A was destroyed"
            if key not in after[table] or (mine and table == "invoice"):
                assert key in seen[table], f"erasure acted on {table} {key}, access did not show it"
        assert sum(
            1 for k in before[table] if k in after[table] and _a_owns(table, before[table][k], before)
        ) == (retained.get(table, 0) if table == "invoice" else 0)
    assert all("c1@example.org" not in " ".join(map(str, r)) for t in TABLES for r in after[t].values())
