"""Consent ingest: HTTP into PostgreSQL against raw single-row INSERTs, and no loss across a crash.

    python bench/consent.py [--clients 32] [--seconds 8] [--database URL]

1. Starts `troth serve` with its production defaults on the test shop's
   declaration with a fresh PostgreSQL schema as its store.
2. Steady state: N clients POST /api/v1/consent for a fixed time (keep-alive
   connections; each visitor makes a few decisions, so chains grow): events/s,
   p50 and p99 latency of acknowledged requests.
3. Crash: the same load while the server is killed (SIGKILL) and restarted
   half-way; afterwards every acknowledged (consent_id, seq) must be in the
   ledger, and every chain must verify.
4. Baseline: the same rows inserted into a copy of the table by N threads, one
   INSERT and one COMMIT per row, for the same time.

Prints `RESULT ingest_ratio=<http events/s ÷ raw inserts/s> lost=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from troth.consent import verify_chain

ROOT = Path(__file__).resolve().parents[1]
DECLARATION = ROOT / "tests" / "consent" / "shop.yaml"
DEFAULT_DB = os.environ.get("TROTH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = secrets.token_urlsafe(48)
DECISIONS_PER_VISITOR = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`troth serve` in a child process that can be killed and started again."""

    def __init__(self, database_url: str, state: Path, port: int) -> None:
        self.port = port
        self.env = os.environ | {
            "TROTH_DATABASE_URL": database_url,
            "TROTH_SECRET_KEY": SECRET,
            "TROTH_STATE_DIR": str(state),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        began = time.perf_counter()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("troth")), "serve", "--config", str(DECLARATION), "--port", str(self.port)],
            env=self.env,
        )  # fmt: skip
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - began
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("troth serve exited during start") from None
                time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """CPU time the server process has used (Linux /proc), 0 elsewhere."""
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class Load:
    """N keep-alive clients posting decisions until a deadline; records what was acknowledged."""

    def __init__(self, ports: list[int], clients: int, tag: str) -> None:
        self.ports, self.clients, self.tag = ports, clients, tag
        self.acked: list[tuple[str, int]] = []
        self.latencies: list[float] = []
        self.failures = 0
        self.statuses: dict[bytes, int] = {}

    def body(self, client: int, n: int) -> bytes:
        consent_id = f"bench-{self.tag}-{client:03d}-{n // DECISIONS_PER_VISITOR:08d}"
        granted = n % 2 == 0
        return json.dumps(
            {
                "consent_id": consent_id,
                "action": "accept_all" if granted else "custom",
                "categories": {"analytics": granted, "advertising": False, "social": granted},
                "page_url": f"https://shop.example/products/{n % 50}",
                "language": "en",
            }
        ).encode()

    async def client(self, client: int, deadline: float) -> None:
        n, reader, writer = 0, None, None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    port = self.ports[client % len(self.ports)]
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                body = self.body(client, n)
                began = time.perf_counter()
                writer.write(
                    b"POST /api/v1/consent HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("the server closed the connection")
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                payload = await reader.readexactly(length)
                if not status_line.startswith(b"HTTP/1.1 201"):
                    self.failures += 1
                    self.statuses[status_line[9:12]] = self.statuses.get(status_line[9:12], 0) + 1
                    continue
                answer = json.loads(payload)
                self.latencies.append(time.perf_counter() - began)
                self.acked.append((answer["consent_id"], answer["seq"]))
                n += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.failures += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                n += DECISIONS_PER_VISITOR - n % DECISIONS_PER_VISITOR  # a new visitor after a broken request
                await asyncio.sleep(0.05)
        if writer is not None:
            writer.close()

    def run(self, seconds: float, during: Any = None) -> float:
        async def main() -> None:
            deadline = time.perf_counter() + seconds
            tasks = [asyncio.create_task(self.client(i, deadline)) for i in range(self.clients)]
            if during is not None:
                await asyncio.sleep(seconds / 2)
                await asyncio.to_thread(during)
            await asyncio.gather(*tasks)

        began = time.perf_counter()
        asyncio.run(main())
        return time.perf_counter() - began


def raw_inserts(dsn: str, rows: list[dict[str, Any]], clients: int, seconds: float) -> tuple[float, float]:
    """Single-row INSERT + COMMIT of `rows` by `clients` threads for `seconds`: (rows/s, client CPU s/row)."""
    columns = [c for c in rows[0] if c != "id"]
    statement = (
        f"INSERT INTO consent_events_raw ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    done = [0] * clients
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as connection:
            i = index
            while time.perf_counter() < deadline:
                row = rows[i % len(rows)] | {"consent_id": f"raw-{i:010d}"}
                values = [Jsonb(row[c]) if c == "decisions" else row[c] for c in columns]
                connection.execute(statement, values)
                done[index] += 1
                i += clients

    began, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - began), (time.process_time() - cpu) / max(sum(done), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--replicas", type=int, default=1, help="troth serve processes sharing the store")
    args = parser.parse_args()

    schema = f"bench_consent_{secrets.token_hex(4)}"
    admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in args.database else "?"
    store_url = f"{args.database}{separator}options=-csearch_path%3D{schema}"
    dsn = args.database.replace("postgresql+psycopg://", "postgresql://")
    dsn = f"{dsn}{separator}options=-csearch_path%3D{schema}"
    state = Path(tempfile.mkdtemp(prefix="troth-bench-"))
    servers = [Server(store_url, state, free_port()) for _ in range(args.replicas)]
    server = servers[0]
    ports = [s.port for s in servers]
    try:
        cold = server.start()
        for replica in servers[1:]:
            replica.start()
        steady = Load(ports, args.clients, "s")
        cpu_before = sum(replica.cpu_seconds() for replica in servers)
        client_before = time.process_time()
        elapsed = steady.run(args.seconds)
        client_cpu = time.process_time() - client_before
        server_cpu = sum(replica.cpu_seconds() for replica in servers) - cpu_before
        http_rate = len(steady.acked) / elapsed
        latencies = sorted(steady.latencies)
        if not latencies:
            raise SystemExit(f"no event was acknowledged ({steady.failures} failures)")
        p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99)]

        crash = Load(ports, args.clients, "c")
        restart_seconds: list[float] = []

        def restart() -> None:
            server.kill()
            restart_seconds.append(server.start())

        crash.run(args.seconds, during=restart)

        engine = create_engine(store_url)
        with engine.connect() as connection:
            stored = {
                (row[0], row[1])
                for row in connection.execute(text("SELECT consent_id, seq FROM consent_events"))
            }
            rows = [
                dict(r)
                for r in connection.execute(text("SELECT * FROM consent_events LIMIT 20000")).mappings()
            ]
        lost = len(set(steady.acked + crash.acked) - stored)
        with Session(engine) as session:
            chains = verify_chain(session, secret=SECRET)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE consent_events_raw (LIKE consent_events INCLUDING ALL)"))
        raw_rate, raw_client_cpu = raw_inserts(dsn, rows, args.clients, args.seconds)
        engine.dispose()
    finally:
        for replica in servers:
            replica.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    print(f"clients={args.clients} replicas={args.replicas} seconds={args.seconds:g} cold_start={cold:.2f}s")
    print(
        f"http ingest: {len(steady.acked)} events, {http_rate:.0f} events/s, p50={p50 * 1000:.1f} ms p99={p99 * 1000:.1f} ms"
    )
    events = max(len(steady.acked), 1)
    print(
        f"CPU per event: server {server_cpu / events * 1000:.3f} ms, "
        f"HTTP clients {client_cpu / events * 1000:.3f} ms"
    )
    print(
        f"raw single-row INSERT+COMMIT: {raw_rate:.0f} rows/s, "
        f"inserting clients' CPU {raw_client_cpu * 1000:.3f} ms per row"
    )
    print(
        f"crash run: {len(crash.acked)} acknowledged, {crash.failures} refused during restart "
        f"({restart_seconds[0]:.2f}s), {len(stored)} stored, chains verified={chains.ok} ({chains.checked} events)"
    )
    print(f"RESULT ingest_ratio={http_rate / raw_rate:.2f} lost={lost}")


if __name__ == "__main__":
    main()
