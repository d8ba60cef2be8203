"""`troth check`: lines a person and an editor can jump from, exit codes a CI job can trust."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from declaration_base import dump
from typer.testing import CliRunner

from troth.cli import build_app

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*/troth.yaml"))
LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>ERROR|WARNING|INFO) (?P<code>TROTH\d{3}) \S"
)

Write = Callable[[str, str], Path]


def check(*args: str) -> Any:
    return CliRunner().invoke(build_app("check"), ["check", *args])


def test_clean_declaration_exits_zero(write: Write, base: dict[str, Any]) -> None:
    path = write("troth.yaml", dump(base))
    result = check(str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_warnings_are_listed_but_do_not_fail(write: Write, base: dict[str, Any]) -> None:
    base["cookies"][0]["name"] = "_ga"
    base["security"]["measures"] = []
    path = write("troth.yaml", dump(base))
    result = check(str(path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        match = LINE.match(line)
        assert match, line
        assert match["file"] == str(path)
        assert match["sev"] == "WARNING"
    assert {m["code"] for m in map(LINE.match, lines) if m} == {"TROTH101", "TROTH138"}


def test_strict_turns_warnings_into_errors(write: Write, base: dict[str, Any]) -> None:
    base["security"]["measures"] = []
    path = write("troth.yaml", dump(base))
    result = check(str(path), "--strict")
    assert result.exit_code == 1
    assert " ERROR TROTH138 " in result.stdout


def test_an_error_rule_fails(write: Write, base: dict[str, Any]) -> None:
    base["purposes"][1]["consent_category"] = "necessary"
    result = check(str(write("troth.yaml", dump(base))))
    assert result.exit_code == 1
    assert " ERROR TROTH107 " in result.stdout


def test_an_invalid_file_fails_with_located_errors(write: Write, base: dict[str, Any]) -> None:
    base["purposes"][0]["lawful_basis"] = "contrct"
    path = write("troth.yaml", dump(base))
    result = check(str(path))
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert LINE.match(line)
    assert "did you mean `contract`?" in line
    assert "Traceback" not in result.output


def test_a_folder_means_its_troth_yaml(write: Write, base: dict[str, Any]) -> None:
    path = write("site/troth.yaml", dump(base))
    assert check(str(path.parent)).exit_code == 0


def test_missing_file(tmp_path: Path) -> None:
    result = check(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "file not found" in result.stdout


def test_json_format(write: Write, base: dict[str, Any]) -> None:
    base["security"]["measures"] = []
    path = write("troth.yaml", dump(base))
    result = check(str(path), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["errors"], report["warnings"]) == (0, 1)
    (problem,) = report["problems"]
    assert problem["code"] == "TROTH138"
    assert problem["severity"] == "warning"
    assert problem["file"] == str(path)
    assert problem["line"] >= 1
    assert problem["path"] == "security"


def test_json_format_for_a_file_that_does_not_load(write: Write) -> None:
    result = check(str(write("troth.yaml", "a: [")), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1
    assert report["problems"][0]["message"].startswith("invalid YAML")


def test_unknown_format_is_a_usage_error(write: Write, base: dict[str, Any]) -> None:
    result = check(str(write("troth.yaml", dump(base))), "--format", "xml")
    assert result.exit_code == 2


def test_explain() -> None:
    result = check("--explain", "troth101")
    assert result.exit_code == 0
    assert result.stdout.startswith("TROTH101 (warning): ")
    assert "Art. 5(3)" in result.stdout
    unknown = check("--explain", "TROTH999")
    assert unknown.exit_code == 2
    assert "TROTH101" in unknown.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_examples_pass(example: Path) -> None:
    result = check(str(example))
    assert result.exit_code == 0, result.output
    assert all(LINE.match(line) for line in result.stdout.splitlines())


def test_the_installed_command_stays_light(write: Write, base: dict[str, Any]) -> None:
    """`troth check` must not pull in the web app, the database layer or templates."""
    path = write("troth.yaml", dump(base))
    probe = (
        "import sys\n"
        "from troth.cli import main\n"
        f"sys.argv = ['troth', 'check', {str(path)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = {'fastapi', 'starlette', 'sqlalchemy', 'jinja2', 'celery', 'httpx', 'cryptography', 'hypothesis'}\n"
        "print(code, sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []"
