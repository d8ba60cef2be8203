"""`troth render` as a user calls it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from troth.cli import build_app

runner = CliRunner()


def test_render_writes_and_lists_every_file(rich_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        build_app("render"), ["render", str(rich_path), "--out", str(out), "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    listed = result.stdout.split()
    assert listed == [
        str(out / n) for n in ("policy.md", "ropa.csv", "recipients.csv", "cookies.csv", "policy.json")
    ]
    assert (out / "policy.md").read_text(encoding="utf-8").startswith("# Privacy Policy")


def test_render_bad_declaration_prints_problems_without_traceback(rich_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "troth.yaml"
    bad.write_text(
        rich_path.read_text(encoding="utf-8").replace("lawful_basis: contract", "lawful_basis: contrat", 1)
    )
    result = runner.invoke(build_app("render"), ["render", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "TROTH" in result.output and "did you mean `contract`?" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_render_missing_file_and_bad_format(rich_path: Path, tmp_path: Path) -> None:
    missing = runner.invoke(build_app("render"), ["render", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    wrong = runner.invoke(build_app("render"), ["render", str(rich_path), "--format", "pdf"])
    assert wrong.exit_code == 2 and "html, md or txt" in wrong.output
