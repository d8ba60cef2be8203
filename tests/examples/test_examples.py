"""The shipped examples: each loads, the demo is clean, and each seed site's policy keeps its promises.

`promises/<example>.yaml` lists, for each seed site, phrases and values its real
privacy policy promises (processor and cookie names, age limits, retention
periods, contact details, special clauses). The declaration must state each of
them, and so must the policy rendered from it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from troth.declaration import JURISDICTIONS, RIGHTS, Declaration, load, read
from troth.declaration import _lint as lint

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROMISES = Path(__file__).resolve().parent / "promises"

#: seeds 000-004, in order
SEED_EXAMPLES = ["cncx", "connact", "cpq-mastery", "expert-crm", "wordpress-site"]
ALL_EXAMPLES = [*SEED_EXAMPLES, "demo"]


def _normal(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def _promises(name: str) -> list[str]:
    raw = yaml.safe_load((PROMISES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(raw, list), f"{name}.yaml must be a list of phrases"
    return [str(item) for item in raw]


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [str(value)] if value is not None else []


def _declared_text(declaration: Declaration) -> str:
    """Everything the declaration states, with the words troth shows for its ids."""
    parts = _strings(declaration.model_dump(mode="json"))
    parts += [c.label for c in declaration.categories.values()]
    parts += [JURISDICTIONS[j].name for j in declaration.jurisdictions if j in JURISDICTIONS]
    parts += [p.lawful_basis.replace("_", " ") for p in declaration.purposes]
    parts += [RIGHTS[r] for offer in declaration.rights.jurisdictions.values() for r in offer.offered]
    return _normal("\n".join(parts))


def _missing(promises: list[str], text: str) -> list[str]:
    return [p for p in promises if _normal(p) not in text]


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_example_loads(name: str) -> None:
    declaration = load(EXAMPLES / name / "troth.yaml")
    assert declaration.purposes
    assert declaration.organization.jurisdictions


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_example_has_no_lint_errors(name: str) -> None:
    problems = lint.run(read(EXAMPLES / name / "troth.yaml"))
    assert [p.render() for p in problems if p.severity == "error"] == []


def test_demo_is_clean() -> None:
    problems = lint.run(read(EXAMPLES / "demo" / "troth.yaml"))
    assert [p.render() for p in problems] == []


def test_demo_serves_the_eu_the_uk_and_california() -> None:
    demo = load(EXAMPLES / "demo" / "troth.yaml")
    assert demo.jurisdictions == {"gdpr", "uk_gdpr", "ccpa"}
    assert demo.marketing.double_opt_in
    assert "email_code" in demo.rights.verification.methods
    assert {s.category for s in demo.scripts} == {"analytics", "embedded", "social"}


def test_analytics_cookie_declared_necessary_is_reported() -> None:
    # Seed 000 lists Google Analytics' `_ga` under "Cookies Necessary for the
    # Functioning of the Site"; the example keeps that and check must say so.
    problems = lint.run(read(EXAMPLES / "cncx" / "troth.yaml"))
    flagged = {p.path for p in problems if p.code == "TROTH101" and p.severity == "warning"}
    assert "cookies[4].category" in flagged


@pytest.mark.parametrize("name", SEED_EXAMPLES)
def test_promise_list_covers_the_seed(name: str) -> None:
    promises = _promises(name)
    assert 25 <= len(promises) <= 80
    assert len(set(map(_normal, promises))) == len(promises), "duplicate promise"


@pytest.mark.parametrize("name", SEED_EXAMPLES)
def test_declaration_states_every_promise(name: str) -> None:
    declaration = load(EXAMPLES / name / "troth.yaml")
    assert _missing(_promises(name), _declared_text(declaration)) == []


@pytest.mark.parametrize("name", SEED_EXAMPLES)
def test_rendered_policy_states_every_promise(name: str) -> None:
    from troth.notice import render_policy

    declaration = load(EXAMPLES / name / "troth.yaml")
    text = _normal(render_policy(declaration, fmt="txt"))
    assert _missing(_promises(name), text) == []


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_extra_sections_follow_a_known_section(name: str) -> None:
    from troth.notice import SECTION_IDS

    sections = load(EXAMPLES / name / "troth.yaml").policy.sections
    known = {*SECTION_IDS, *(s.id for s in sections), ""}
    assert [s.id for s in sections if s.after not in known] == []
