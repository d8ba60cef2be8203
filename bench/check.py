"""How long `troth check` takes on each example, as a person at a terminal waits for it.

Runs the installed `troth check` on every examples/*/troth.yaml N times in a
fresh process and prints the median wall time, next to the start-up time of a
bare `python -c pass` measured in the same run (the floor no CLI can beat).
The target is under 0.5 s per check.

    .venv/bin/python bench/check.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    return elapsed


def median_wall(command: list[str], runs: int) -> float:
    wall(command)  # warm the file cache and the bytecode cache
    return statistics.median(wall(command) for _ in range(runs))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    troth = shutil.which("troth", path=str(Path(sys.executable).parent)) or "troth"
    examples = sorted((ROOT / "examples").glob("*/troth.yaml"))
    if not examples:
        raise SystemExit("no examples/*/troth.yaml to check")
    baseline = median_wall([sys.executable, "-c", "pass"], runs)
    print(f"python -c pass: median {baseline * 1000:.0f} ms over {runs} runs")
    medians = []
    for example in examples:
        median = median_wall([troth, "check", str(example)], runs)
        medians.append(median)
        print(
            f"troth check {example.parent.name:<16} median {median * 1000:.0f} ms ({median / baseline:.1f}x python)"
        )
    overall = statistics.median(medians)
    worst = max(medians)
    verdict = "ok" if worst < TARGET_S else "TOO SLOW"
    print(
        f"RESULT check_median_s={overall:.3f} check_worst_s={worst:.3f} python_startup_s={baseline:.3f} "
        f"ratio={overall / baseline:.1f} target_s={TARGET_S} {verdict}"
    )


if __name__ == "__main__":
    main()
