"""Cold start of `troth serve`: process start to the first 200 from /healthz.

Each run starts `troth serve` twice on a fresh copy of the demo declaration:
first on a new, empty SQLite store (every migration runs), then again on the
store it left (the everyday restart). Each start is a new process, timed from
launch to the first 200 from /healthz. The baseline, measured in the same run,
is a bare `python -c pass` start, so the ratio says what troth adds.

    .venv/bin/python bench/serve.py [--runs 5]

Prints each run, the medians and
`RESULT cold_start_s=… first_start_s=… cpu_s=… baseline_s=… ratio=… load=… goal_met=…`
where cold_start_s is a restart's median wall time and cpu_s the CPU time a
restart used (a figure other processes on a busy machine do not inflate).
Goal: under 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo" / "troth.yaml"
TROTH = Path(sys.executable).with_name("troth")
GOAL_S = 2.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux /proc): what a start costs, whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_start(workdir: Path) -> tuple[float, float]:
    declaration = workdir / "troth.yaml"
    if not declaration.exists():
        for part in DEMO.parent.glob("*.yaml"):  # the declaration and the files it includes
            shutil.copy(part, workdir / part.name)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROTH_")}
    env["TROTH_SECRET_KEY"] = "bench-" + "s" * 42
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(TROTH), "serve", "--config", str(declaration), "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not _healthy(f"http://127.0.0.1:{port}/healthz"):
            if server.poll() is not None:
                raise SystemExit(
                    f"troth serve exited: {server.stderr.read().decode() if server.stderr else ''}"
                )
            if time.perf_counter() - started > 30:
                raise SystemExit("troth serve did not answer /healthz within 30 s")
            time.sleep(0.01)
        return time.perf_counter() - started, _cpu_seconds(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def baseline() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not DEMO.is_file():
        raise SystemExit(f"the demo declaration is missing: {DEMO}")
    with tempfile.TemporaryDirectory(prefix="troth-bench-") as folder:
        cold_start(Path(folder))  # warm the OS file cache once
    firsts: list[float] = []
    restarts: list[float] = []
    cpu: list[float] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="troth-bench-") as folder:
            wall, first_cpu = cold_start(Path(folder))
            firsts.append(wall)
            wall, restart_cpu = cold_start(Path(folder))
            restarts.append(wall)
            cpu.append(restart_cpu)
        print(
            f"run {run}: first start {firsts[-1]:.3f} s ({first_cpu:.2f} s CPU), "
            f"restart {restarts[-1]:.3f} s ({restart_cpu:.2f} s CPU) to the first /healthz"
        )
    base = statistics.median(baseline() for _ in range(args.runs))
    first, median = statistics.median(firsts), statistics.median(restarts)
    print(
        f"median: first start {first:.3f} s, restart {median:.3f} s "
        f"(min {min(restarts):.3f}, max {max(restarts):.3f}); python alone {base:.3f} s"
    )
    goal_met = median < GOAL_S and first < GOAL_S
    load = os.getloadavg()[0]
    print(f"restart CPU time (user+system) median {statistics.median(cpu):.2f} s; 1-minute load {load:.1f}")
    print(
        f"RESULT cold_start_s={median:.3f} first_start_s={first:.3f} cpu_s={statistics.median(cpu):.2f} "
        f"baseline_s={base:.3f} ratio={median / base:.1f} load={load:.1f} goal_met={'yes' if goal_met else 'no'}"
    )


if __name__ == "__main__":
    main()
