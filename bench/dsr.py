#!/usr/bin/env python3
"""Benchmark: troth's access and erasure against hand-written indexed SQL on the same rows.

    bench/dsr.py --engine postgres --customers 1000000

Builds the shop with /work/shared/bench/make_shop.py (the database the Fides
comparison ran on; skipped when it already holds the requested customers),
declares it as a troth dataset, and for a sample of customers times:

  access   troth: plan + batched lookups + the full archive (zip with data.json,
           CSVs, index.html, manifest) in memory;  hand: the same rows fetched
           with prepared, indexed queries (psycopg, no archive).
  erasure  troth: a checkpointed run (collect, one transaction, report, audit
           entry in a troth store on SQLite);  hand: the same DELETEs in one
           transaction. Both on freshly generated customers of the same shape
           (negative ids, so the shop itself stays intact).

Then one generated customer with 1,000,000 rows is exported in a child process
whose peak RSS is reported. Prints `RESULT access_ratio=… erase_ratio=… peak_rss_mb=…`.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import psycopg

MAKE_SHOP = Path(os.environ.get("TROTH_BENCH_MAKE_SHOP", "/work/shared/bench/make_shop.py"))
PER = 10

DATASETS = """
datasets:
  - id: shop
    connection_env: BENCH_SHOP_URL
    collections:
      - name: customer
        fields:
          - {name: id, erase: delete_row}
          - {name: email, identity: email, categories: [contact.email]}
          - {name: name, categories: [identity.name]}
          - {name: phone, categories: [contact.phone]}
          - {name: address, categories: [contact.postal_address]}
          - {name: created_at}
      - name: orders
        fields:
          - {name: id, erase: delete_row}
          - {name: customer_id, references: {collection: customer}, required: true}
          - {name: shipping_address, categories: [contact.postal_address]}
          - {name: created_at, categories: [commercial.orders]}
      - name: order_item
        fields:
          - {name: id, erase: delete_row}
          - {name: order_id, references: {collection: orders}, required: true}
          - {name: product, categories: [commercial.orders]}
          - {name: price, categories: [financial.transactions]}
      - name: review
        fields:
          - {name: id, erase: delete_row}
          - {name: customer_id, references: {collection: customer}, required: true}
          - {name: body, categories: [content.reviews]}
          - {name: created_at}
      - name: login_event
        fields:
          - {name: id, erase: delete_row}
          - {name: customer_id, references: {collection: customer}, required: true}
          - {name: ip, categories: [device.ip_address]}
          - {name: user_agent, categories: [device.browser]}
          - {name: at, categories: [usage.visit_times]}
"""

HEADER = """
troth: 1
organization: {legal_name: Bench Shop, website: "https://shop.example.com", contact_email: privacy@shop.example.com,
               country: GB, jurisdictions: [uk_gdpr]}
purposes: [{id: orders, name: Orders, lawful_basis: contract, categories: [contact.email]}]
rights: {jurisdictions: {uk_gdpr: {offered: [access, erasure]}}, channels: [{kind: email, address: privacy@shop.example.com}]}
age: {minimum: 16}
policy: {version: "bench", effective_date: 2024-01-01}
"""

HAND_ACCESS = [
    "SELECT id, email, name, phone, address, created_at FROM customer WHERE email = ANY(%s)",
    "SELECT id, customer_id, shipping_address, created_at FROM orders WHERE customer_id = ANY(%s)",
    "SELECT id, order_id, product, price FROM order_item WHERE order_id = ANY(%s)",
    "SELECT id, customer_id, body, created_at FROM review WHERE customer_id = ANY(%s)",
    "SELECT id, customer_id, ip, user_agent, at FROM login_event WHERE customer_id = ANY(%s)",
]

# Like troth, the hand-written erasure starts from the email address it was given.
HAND_ERASE = [
    "DELETE FROM order_item WHERE order_id IN (SELECT o.id FROM orders o JOIN customer c ON c.id = o.customer_id"
    " WHERE c.email = %(e)s)",
    "DELETE FROM review WHERE customer_id IN (SELECT id FROM customer WHERE email = %(e)s)",
    "DELETE FROM login_event WHERE customer_id IN (SELECT id FROM customer WHERE email = %(e)s)",
    "DELETE FROM orders WHERE customer_id IN (SELECT id FROM customer WHERE email = %(e)s)",
    "DELETE FROM customer WHERE email = %(e)s",
]


def declaration():  # type: ignore[no-untyped-def]
    from troth.declaration import read_text

    return read_text(HEADER + DATASETS, source="bench").declaration


def ensure_shop(dsn: str, customers: int) -> None:
    try:
        with psycopg.connect(dsn) as conn:
            top = conn.execute("SELECT max(id) FROM customer").fetchone()
            last = conn.execute("SELECT max(id) FROM login_event").fetchone()
            if top and last and top[0] == customers and last[0] == customers * PER:
                print(f"shop already holds {customers} customers: not rebuilding", flush=True)
                return
    except psycopg.Error:
        pass
    print(f"building the shop with {customers} customers …", flush=True)
    subprocess.run([sys.executable, str(MAKE_SHOP), "--n", str(customers), "--dsn", dsn], check=True)


def make_subject(conn: psycopg.Connection, cid: int, per: int) -> str:
    """A customer with `per` orders (one item each), reviews and logins; negative ids stay out of the shop's range."""
    email = f"bench{cid}@example.com"
    base = cid * 10_000_000
    conn.execute("DELETE FROM customer WHERE id = %s", (cid,))
    for table, column in (
        ("order_item", "order_id"),
        ("orders", "customer_id"),
        ("review", "customer_id"),
        ("login_event", "customer_id"),
    ):
        if column == "order_id":
            conn.execute(
                f"DELETE FROM {table} WHERE order_id IN (SELECT id FROM orders WHERE customer_id = %s)",
                (cid,),
            )
        else:
            conn.execute(f"DELETE FROM {table} WHERE {column} = %s", (cid,))
    conn.execute(
        "INSERT INTO customer VALUES (%s, %s, 'Bench Person', '+1-555-0000000', '1 Bench St', now())",
        (cid, email),
    )
    conn.execute(
        "INSERT INTO orders SELECT %s - g, %s, '1 Bench St', now() FROM generate_series(1, %s) g",
        (base, cid, per),
    )
    conn.execute(
        "INSERT INTO order_item SELECT %s - g, %s - g, 'widget', 9.99 FROM generate_series(1, %s) g",
        (base, base, per),
    )
    conn.execute(
        "INSERT INTO review SELECT %s - g, %s, 'fine', now() FROM generate_series(1, %s) g", (base, cid, per)
    )
    conn.execute(
        "INSERT INTO login_event SELECT %s - g, %s, '203.0.113.1', 'bench', now() FROM generate_series(1, %s) g",
        (base, cid, per),
    )
    return email


def hand_access(conn: psycopg.Connection, email: str) -> int:
    with conn.cursor() as cur:
        rows = cur.execute(HAND_ACCESS[0], ([email],), prepare=True).fetchall()
        ids = [r[0] for r in rows]
        orders = cur.execute(HAND_ACCESS[1], (ids,), prepare=True).fetchall()
        items = cur.execute(HAND_ACCESS[2], ([o[0] for o in orders],), prepare=True).fetchall()
        reviews = cur.execute(HAND_ACCESS[3], (ids,), prepare=True).fetchall()
        logins = cur.execute(HAND_ACCESS[4], (ids,), prepare=True).fetchall()
    return len(rows) + len(orders) + len(items) + len(reviews) + len(logins)


def hand_erase(conn: psycopg.Connection, email: str) -> None:
    with conn.transaction(), conn.cursor() as cur:
        for sql in HAND_ERASE:
            cur.execute(sql, {"e": email}, prepare=True)


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def big_export(dsn: str, email: str) -> None:
    """Child process: export one subject to a file; the parent reads this process's peak RSS."""
    from troth.connectors import open_connector
    from troth.dsr.engine import export_subject, parse_identities

    d = declaration()
    connectors = {ds.id: open_connector(ds, {"BENCH_SHOP_URL": dsn}) for ds in d.datasets}
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        result = export_subject(d, connectors, parse_identities([f"email={email}"]), out)
        size = out.tell()
    print(
        f"big export: {sum(result.counts.values())} rows, {size / 1e6:.0f} MB zip in {time.perf_counter() - start:.1f}s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="postgres", choices=["postgres"])
    ap.add_argument("--customers", type=int, default=10000)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--big-rows", type=int, default=1_000_000, help="rows of the one large subject (0: skip)")
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/shop")
    ap.add_argument("--big-export", metavar="EMAIL", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.big_export:
        big_export(a.dsn, a.big_export)
        return

    from sqlalchemy.orm import sessionmaker

    from troth.connectors import open_connector
    from troth.dsr.engine import execute, export_subject, make_plan, parse_identities
    from troth.store import make_engine, upgrade

    ensure_shop(a.dsn, a.customers)
    d = declaration()
    connectors = {ds.id: open_connector(ds, {"BENCH_SHOP_URL": a.dsn}) for ds in d.datasets}
    hand = psycopg.connect(a.dsn, autocommit=True)
    rng = random.Random(7)
    subjects = [f"user{rng.randint(1, a.customers)}@example.com" for _ in range(a.sample)]
    plans = {}

    def troth_access(email: str) -> int:
        identities = parse_identities([f"email={email}"])
        plan = plans.get("p") or plans.setdefault("p", make_plan(d, identities))
        buffer = io.BytesIO()
        result = export_subject(d, connectors, identities, buffer, plan=plan)
        return sum(result.counts.values())

    # Long-lived objects (imports, the declaration, connections) leave the garbage collector's
    # scans, as a worker does once it has started: otherwise every full collection walks ~100k
    # objects that will never be garbage. Both sides are measured in this one process.
    gc.collect()
    gc.freeze()
    troth_times, hand_times = [], []
    for i, email in enumerate(subjects):
        hand_access(hand, email)  # warm the pages for both
        order = [(troth_access, troth_times), (lambda e: hand_access(hand, e), hand_times)]
        if i % 2:
            order.reverse()
        counts = []
        for fn, sink in order:
            seconds, n = timed(fn, email)
            sink.append(seconds)
            counts.append(n)
        assert counts[0] == counts[1], f"troth and hand SQL disagree for {email}: {counts}"
    access_t, access_h = statistics.median(troth_times[2:]), statistics.median(hand_times[2:])
    print(
        f"access  troth {access_t * 1000:7.2f} ms   hand SQL {access_h * 1000:7.2f} ms   ({counts[0]} rows per person)"
    )

    store_dir = tempfile.mkdtemp()
    store = make_engine(f"sqlite:///{store_dir}/state.db")
    upgrade(store)
    sessions = sessionmaker(store, expire_on_commit=False)
    secret = "bench-secret-key-0123456789-0123456789-0123456789"
    erase_t, erase_h = [], []
    erase_plan = make_plan(d, {"email": ["x"]})
    with psycopg.connect(a.dsn, autocommit=True) as setup:
        pairs = [(-(2 * i + 1), -(2 * i + 2)) for i in range(a.sample)]
        emails = {cid: make_subject(setup, cid, PER) for pair in pairs for cid in pair}
    for i, (mine, theirs) in enumerate(pairs):
        hand_access(hand, emails[mine])
        hand_access(hand, emails[theirs])
        identities = parse_identities([f"email={emails[mine]}"])
        steps = [
            (
                partial(
                    execute,
                    sessions=sessions,
                    secret=secret,
                    declaration=d,
                    connectors=connectors,
                    kind="erase",
                    identities=identities,
                    plan=erase_plan,
                ),
                erase_t,
            ),
            (partial(hand_erase, hand, emails[theirs]), erase_h),
        ]
        if i % 2:
            steps.reverse()
        for fn, sink in steps:
            seconds, _ = timed(fn)
            sink.append(seconds)
    left = hand.execute(
        "SELECT count(*) FROM customer WHERE id < 0 AND id >= %s", (-2 * a.sample,)
    ).fetchone()
    assert left is not None and left[0] == 0, "erasure left bench customers behind"
    erase_tm, erase_hm = statistics.median(erase_t[2:]), statistics.median(erase_h[2:])
    print(f"erasure troth {erase_tm * 1000:7.2f} ms   hand SQL {erase_hm * 1000:7.2f} ms")

    peak = 0.0
    if a.big_rows:
        big = -1_000
        per = a.big_rows // 4
        with psycopg.connect(a.dsn, autocommit=True) as setup:
            have = setup.execute("SELECT count(*) FROM login_event WHERE customer_id = %s", (big,)).fetchone()
            email = f"bench{big}@example.com"
            if not have or have[0] != per:
                print(f"generating one customer with {per * 4} rows …", flush=True)
                make_subject(setup, big, per)
        child = subprocess.run(
            [sys.executable, __file__, "--dsn", a.dsn, "--big-export", email],
            check=True,
            capture_output=True,
            text=True,
        )
        print(child.stdout.strip())
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for connector in connectors.values():
        connector.close()
    hand.close()
    print(
        f"RESULT access_ratio={access_t / access_h:.2f} erase_ratio={erase_tm / erase_hm:.2f} peak_rss_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
