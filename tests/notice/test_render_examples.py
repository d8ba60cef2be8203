"""Every shipped example renders in every format, with a structurally sound page and registers."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from troth.declaration import load
from troth.notice import cookies_csv, recipients_csv, render_policy, ropa_csv

EXAMPLES = sorted(Path(__file__).resolve().parents[2].glob("examples/*/troth.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_renders_in_every_format(path: Path) -> None:
    declaration = load(path)
    html = render_policy(declaration)
    assert html.count("<h1") == 1
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
    assert declaration.organization.legal_name.split()[0] in render_policy(declaration, fmt="md")
    txt = render_policy(declaration, fmt="txt")
    assert all(len(line) <= 78 or len(line.split()) <= 3 for line in txt.splitlines())
    assert len(list(csv.reader(io.StringIO(ropa_csv(declaration))))) == len(declaration.purposes) + 1
    assert len(list(csv.reader(io.StringIO(recipients_csv(declaration))))) == len(declaration.recipients) + 1
    assert len(list(csv.reader(io.StringIO(cookies_csv(declaration))))) == len(declaration.cookies) + 1


def test_there_are_examples_to_render() -> None:
    assert {p.parent.name for p in EXAMPLES} >= {"demo", "cncx"}
