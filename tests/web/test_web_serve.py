"""`troth serve` and `troth run` as real processes: /healthz, SIGHUP reload, the one-time login link."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TROTH = str(Path(sys.executable).with_name("troth"))


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if _get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def start(declaration_file: Path) -> Iterator[object]:
    processes: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROTH_")}

    def launch(*args: str) -> tuple[str, subprocess.Popen[bytes]]:
        port = _port()
        process = subprocess.Popen(
            [TROTH, *args, "--port", str(port)],
            env=env,
            cwd=declaration_file.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/healthz", process)
        return base, process

    yield launch
    for process in processes:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _versions(base: str) -> list[int]:
    return [v["number"] for v in json.loads(_get(f"{base}/api/v1/policy/versions")[1])]


def test_serve_reloads_on_sighup_only_a_declaration_that_passes_check(start, declaration_file):
    base, process = start("serve", "--config", str(declaration_file), "--log-level", "warning")
    assert json.loads(_get(f"{base}/healthz")[1])["policy_version"] == "1.0"
    original = declaration_file.read_text()

    declaration_file.write_text(original.replace("lawful_basis: contract", "lawful_basis: contrakt", 1))
    process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert _get(f"{base}/healthz")[0] == 200  # still serving the old one
    assert _versions(base) == [1]

    declaration_file.write_text(original.replace('version: "1.0"', 'version: "1.1"'))
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while _versions(base) != [2, 1]:
        assert time.monotonic() < deadline, "SIGHUP did not publish the new version"
        time.sleep(0.05)
    assert json.loads(_get(f"{base}/healthz")[1])["policy_version"] == "1.1"
    assert (declaration_file.parent / ".troth" / "state.db").is_file()


def test_run_prints_the_url_and_a_login_link_that_works_once(start, declaration_file):
    base, process = start("run", str(declaration_file))
    assert process.stdout is not None
    printed = process.stdout.readline().decode() + process.stdout.readline().decode()
    assert f"troth serving {declaration_file} at {base}" in printed
    link = re.search(r"(http://\S+/admin/login/\S+)", printed)
    assert link, printed
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(link.group(1), timeout=5) as answer:
        assert answer.status == 200 and "<h1>Dashboard</h1>" in answer.read().decode()
    with pytest.raises(urllib.error.HTTPError) as used:
        urllib.request.urlopen(link.group(1), timeout=5)
    assert used.value.code == 401
