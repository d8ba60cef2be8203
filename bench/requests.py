#!/usr/bin/env python3
"""Benchmark: verified access requests from approval to archive, in-process worker vs 2 Celery workers.

    bench/requests.py [--customers 100000] [--requests 1000]

Builds the shop with /work/shared/bench/make_shop.py (through bench/dsr.py's
`ensure_shop`, skipped when it already holds the customers), declares it as
a troth dataset, and keeps troth's own store in a fresh PostgreSQL database.
For each mode it takes in `--requests` access requests verified by a signed
assertion (as a signed-in customer's would be), then:

  burst   approves them all (one per transaction) and waits until every archive
          is stored: requests/s = requests / (last archive - first approval);
  paced   approves 200 more one at a time at half that rate: p50/p99 of the
          time from approval to archive ready (no queueing behind a burst).

Modes: `embedded` (the in-process worker, 2 threads, as `troth serve` runs it)
and `celery` (2 `troth worker` processes, Redis broker; each runs its steps in
its own process, one at a time: on this 2-core machine, one worker per core;
TROTH_BENCH_CONCURRENCY=2 gives each a prefork pool of 2 instead).
Prints `RESULT embedded_rps=… celery_rps=… p99_s=…` (p99 of the Celery run).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dsr import DATASETS, HEADER, ensure_shop

PG = "postgresql://postgres@127.0.0.1:5432"
SECRET = "bench-requests-secret-key-0123456789abcdef"
#: on this two-core machine: the in-process worker's threads, and each Celery worker's pool processes
EMBEDDED_THREADS = int(os.environ.get("TROTH_BENCH_THREADS", "2"))
CELERY_CONCURRENCY = int(os.environ.get("TROTH_BENCH_CONCURRENCY", "1"))
WORKER = """
import sys
from pathlib import Path
from troth.jobs._cli import worker
worker(config=Path(sys.argv[1]), concurrency=int(sys.argv[2]), name=sys.argv[3])
"""


def _processes() -> Iterator[tuple[int, str, int, float]]:
    """(pid, command, parent pid, user + system CPU seconds) of every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        command = raw[raw.index("(") + 1 : raw.rindex(")")]
        yield int(entry.name), command, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds of `roots` and all their descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for pid, _command, parent, cpu in _processes():
        parents[pid], times[pid] = parent, cpu
    chosen, grew = set(roots), True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in chosen} - chosen
        chosen |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in chosen)


def named_cpu(name: str) -> float:
    """CPU seconds of every process whose command is `name` (e.g. the database server)."""
    return sum(cpu for _pid, command, _parent, cpu in _processes() if command == name)


def fresh_database(name: str) -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def declaration_file(folder: Path) -> Path:
    path = folder / "troth.yaml"
    path.write_text(HEADER + DATASETS)
    return path


def take_in(sessions, ctx, emails):  # type: ignore[no-untyped-def]
    from troth.dsr.requests import assertion_key, sign_assertion, submit

    key, now, ids = assertion_key(SECRET), int(time.time()), []
    with sessions.begin() as session:
        for email in emails:
            claims = {"email": email, "aud": "troth", "iat": now, "exp": now + 600}
            token = sign_assertion(key, claims)
            ids.append(
                submit(
                    session, ctx, kind="access", email="", jurisdiction="uk_gdpr", assertion=token
                ).request.id
            )
    return ids


def approve_ids(sessions, ctx, ids):  # type: ignore[no-untyped-def]
    """Approve as the admin console does: load each request by id, approve, commit."""
    from troth.dsr.requests import approve
    from troth.dsr.requests._review import get_request

    with sessions.begin() as session:
        for request_id in ids:
            approve(session, ctx, get_request(session, request_id), actor="bench")


def wait_done(sessions, count: int, timeout: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until `count` requests are completed (the store is fresh per mode: no IN list to poll with)."""
    from sqlalchemy import func, select

    from troth.dsr.requests import DsrRequest

    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        with sessions() as session:
            done = session.scalar(select(func.count()).where(DsrRequest.state == "completed")) or 0
        if done >= count:
            return
        time.sleep(0.1)
    raise SystemExit(f"only {done} of {count} requests completed in {timeout:.0f} s")


def timings(sessions, ids):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from troth.dsr.requests import DsrRequest, RequestResult

    with sessions() as session:
        rows = session.execute(
            select(DsrRequest.approved_at, RequestResult.created_at, RequestResult.size)
            .join(RequestResult, RequestResult.request_id == DsrRequest.id)
            .where(DsrRequest.id.in_(ids))
        ).all()
    assert len(rows) == len(ids) and all(size > 0 for _, _, size in rows), "an archive is missing"
    first = min(a for a, _, _ in rows)
    last = max(r for _, r, _ in rows)
    latencies = sorted((r - a).total_seconds() for a, r, _ in rows)
    return (last - first).total_seconds(), latencies


def run_mode(mode: str, shop_dsn: str, customers: int, count: int, folder: Path) -> tuple[float, list[float]]:
    from troth.declaration import read
    from troth.dsr.requests._desk import RequestDesk
    from troth.settings import Settings
    from troth.store import open_store

    config = declaration_file(folder)
    store = fresh_database(f"troth_bench_requests_{mode}")
    broker = os.environ.get("TROTH_BENCH_BROKER_URL", "redis://127.0.0.1:6379/5") if mode == "celery" else ""
    env = {
        "TROTH_DATABASE_URL": store,
        "TROTH_SECRET_KEY": SECRET,
        "TROTH_BROKER_URL": broker,
        "BENCH_SHOP_URL": shop_dsn,
    }
    os.environ.update(env)
    settings = Settings.for_declaration(config)
    sessions = open_store(settings)
    declaration = read(config).declaration
    desk = RequestDesk(settings, sessions, lambda: declaration, threads=EMBEDDED_THREADS).start()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        if mode == "celery":
            desk.dispatcher.app.control.purge()  # type: ignore[attr-defined]
            for n in range(2):
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-c", WORKER, str(config), str(CELERY_CONCURRENCY), f"bench{n}"],
                        env={**os.environ, **env},
                        stdout=subprocess.DEVNULL,
                    )
                )
            deadline = time.monotonic() + 60
            while len(desk.dispatcher.app.control.ping(timeout=0.5) or []) < 2:  # type: ignore[attr-defined]
                if time.monotonic() > deadline:
                    raise SystemExit("the Celery workers did not start")
        ctx = desk.context()
        step = max(1, customers // (count + 250))
        emails = [f"user{1 + i * step}@example.com" for i in range(count + 200)]
        burst_ids = take_in(sessions, ctx, emails[:count])
        paced_ids = take_in(sessions, ctx, emails[count:])
        # what set-up built stays, as in `troth serve` and `troth worker`: out of full GC passes
        gc.collect()
        gc.freeze()
        # CPU of whatever runs the steps: this process (its worker threads, and the approvals) when
        # embedded; the worker processes and their pool children with Celery (approvals not counted)
        runners = [os.getpid()] if mode == "embedded" else [worker.pid for worker in workers]
        cpu, own, server = tree_cpu(runners), time.process_time(), named_cpu("postgres")
        start = time.perf_counter()
        for request_id in burst_ids:  # one approval per transaction, as an agent or auto-approval does
            approve_ids(sessions, ctx, [request_id])
        wait_done(sessions, len(burst_ids))
        wall = time.perf_counter() - start
        cpu = tree_cpu(runners) - cpu
        own, server = time.process_time() - own, named_cpu("postgres") - server
        span, _ = timings(sessions, burst_ids)
        rps = count / span
        print(
            f"{mode:>8}: {count} requests in {wall:.2f} s wall, {span:.2f} s approval→last archive: {rps:.1f} requests/s"
            f"; {cpu / count * 1000:.1f} ms CPU per request ({'approvals and worker' if mode == 'embedded' else 'workers'})",
            flush=True,
        )
        if mode == "celery":
            print(
                f"{'':>8}  approvals and dispatch (this process): {own / count * 1000:.1f} ms CPU per request"
            )
        print(
            f"{'':>8}  PostgreSQL (shop and store): {server / count * 1000:.1f} ms CPU per request",
            flush=True,
        )
        interval = 1.0 / max(1.0, rps / 2)
        for request_id in paced_ids:
            began = time.perf_counter()
            approve_ids(sessions, ctx, [request_id])
            time.sleep(max(0.0, interval - (time.perf_counter() - began)))
        wait_done(sessions, len(burst_ids) + len(paced_ids))
        _, latencies = timings(sessions, paced_ids)
        p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
        if os.environ.get("TROTH_BENCH_VERBOSE"):
            print("latencies (ms):", [round(x * 1000) for x in latencies])
        print(
            f"{mode:>8}: paced at {1 / interval:.0f}/s, approval→archive p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms",
            flush=True,
        )
        return rps, latencies
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(20)
        desk.stop()
        sessions.kw["bind"].dispose()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "troth_bench_requests_{mode}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--dsn", default=f"{PG}/shop_requests")
    parser.add_argument("--modes", default="embedded,celery")
    args = parser.parse_args()
    ensure_shop(args.dsn, args.customers)
    results: dict[str, tuple[float, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="troth-bench-requests-") as folder:
        for mode in args.modes.split(","):
            results[mode] = run_mode(mode, args.dsn, args.customers, args.requests, Path(folder))
    embedded = results.get("embedded", (0.0, [0.0]))
    celery = results.get("celery", (0.0, [0.0]))
    p99 = celery[1][int(len(celery[1]) * 0.99) - 1] if celery[1] else 0.0
    print(f"RESULT embedded_rps={embedded[0]:.1f} celery_rps={celery[0]:.1f} p99_s={p99:.3f}")


if __name__ == "__main__":
    main()
