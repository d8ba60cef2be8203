"""Loading a declaration: every mistake is reported with file, line, column, field and a fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from declaration_base import dump

from troth import DeclarationError, Problem
from troth.declaration import read, read_text


def problems(text: str, source: str = "troth.yaml") -> list[Problem]:
    with pytest.raises(DeclarationError) as caught:
        read_text(text, source=source)
    return caught.value.problems


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line + "\n")


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


# ---------------------------------------------------------------- a valid file


def test_valid_declaration_keeps_where_each_value_is(base: dict[str, Any]) -> None:
    text = dump(base)
    loaded = read_text(text, source="troth.yaml")
    assert loaded.declaration.organization.legal_name == "Lantern Books Ltd"
    where = loaded.where("purposes", 1, "consent_category")
    assert (where.file, where.line) == ("troth.yaml", line_of(text, "consent_category"))
    assert where.column == text.splitlines()[where.line - 1].index("consent_category") + 1
    # a path with no value of its own resolves to its nearest written ancestor
    assert (loaded.where("marketing", "email").line, loaded.where("marketing").column) == (1, 1)
    assert loaded.where("purposes", 0, "sources") == loaded.where("purposes", 0)


def test_norway_and_yes_stay_text(base: dict[str, Any]) -> None:
    text = (
        dump(base)
        .replace("country: DE", "country: NO")
        .replace("legal_name: Lantern Books Ltd", "legal_name: yes")
    )
    loaded = read_text(text)
    assert loaded.declaration.recipients[0].country == "NO"
    assert loaded.declaration.organization.legal_name == "yes"


def test_true_and_false_are_booleans(base: dict[str, Any]) -> None:
    base["age"]["parental_consent"] = True
    assert "parental_consent: true" in dump(base)
    assert read_text(dump(base)).declaration.age.parental_consent is True


# ---------------------------------------------------------------- model errors


@pytest.mark.parametrize(
    ("change", "needle", "message", "hint"),
    [
        (
            lambda d: d["purposes"][0].update(lawful_basis="contrct"),
            "contrct",
            "`contrct` is not allowed",
            "did you mean `contract`?",
        ),
        (lambda d: d["purposes"][0].update(colour="red"), "colour", "unknown key `colour`", "allowed keys:"),
        (
            lambda d: d["organization"].update(legal_nme="X"),
            "legal_nme",
            "unknown key `legal_nme`",
            "did you mean `legal_name`?",
        ),
        (
            lambda d: d["organization"]["dpo"].update(emial="a@b.example"),
            "emial",
            "unknown key `emial`",
            "did you mean `email`?",
        ),
        (lambda d: d.update(purpose=[]), "purpose: []", "unknown key `purpose`", "did you mean `purposes`?"),
        (
            lambda d: d["rights"]["jurisdictions"]["gdpr"].update(offerred=["access"]),
            "offerred",
            "unknown key `offerred`",
            "did you mean `offered`?",
        ),
        (
            lambda d: d["cookies"][0].update(category="analytic"),
            "category: analytic\n",
            "`analytic` is not allowed",
            "did you mean `analytics`?",
        ),
        (
            lambda d: d["age"].update(minimum="sixteen"),
            "sixteen",
            "expected a whole number, found `sixteen`",
            "",
        ),
        (
            lambda d: d["purposes"][0].update(categories="contact.email"),
            "categories: contact.email",
            "expected a list",
            "",
        ),
        (lambda d: d["age"].update(minimum=30), "minimum: 30", "less than or equal to 21", ""),
        (lambda d: d["policy"].update(effective_date="2025-13-01"), "2025-13-01", "expected a date", ""),
        (lambda d: d["organization"].update(website="lantern"), "website: lantern", "expected a URL", ""),
        (lambda d: d["cookies"][0].update(lifetime="forever"), "forever", "is not a period", ""),
        (lambda d: d["purposes"][0].update(id="Orders!"), "Orders!", "is not a valid id", ""),
        (lambda d: d["retention"][0].pop("period"), "id: customers", "give a `period`", ""),
    ],
)
def test_model_errors_name_place_field_and_fix(
    base: dict[str, Any], change: Callable[[dict[str, Any]], None], needle: str, message: str, hint: str
) -> None:
    change(base)
    text = dump(base)
    problem = only(problems(text))
    assert problem.location.file == "troth.yaml"
    assert problem.location.line == line_of(text, needle)
    assert problem.location.column >= 1
    assert problem.path
    assert message in problem.message
    assert hint in problem.hint
    assert problem.render().startswith(
        f"troth.yaml:{problem.location.line}:{problem.location.column}: ERROR "
    )


def test_missing_key_points_at_the_mapping_that_lacks_it(base: dict[str, Any]) -> None:
    del base["organization"]["contact_email"]
    text = dump(base)
    problem = only(problems(text))
    assert problem.message == "missing required key `contact_email`"
    assert problem.path == "organization.contact_email"
    assert problem.location.line == line_of(text, "organization:")


def test_every_error_is_reported_at_once(base: dict[str, Any]) -> None:
    base["purposes"][0]["lawful_basis"] = "contrct"
    base["age"]["minimum"] = "x"
    base["policy"]["colour"] = "red"
    found = problems(dump(base))
    assert len(found) == 3
    assert [p.location.line for p in found] == sorted(p.location.line for p in found)


# ---------------------------------------------------------------- reference errors


@pytest.mark.parametrize(
    ("change", "needle", "message", "hint"),
    [
        (
            lambda d: d["purposes"][0]["categories"].append("contact.emial"),
            "contact.emial",
            "unknown data category `contact.emial`",
            "did you mean `contact.email`?",
        ),
        (
            lambda d: d["organization"]["jurisdictions"].append("gdrp"),
            "gdrp",
            "unknown jurisdiction `gdrp`",
            "did you mean `gdpr`?",
        ),
        (
            lambda d: d["rights"]["jurisdictions"]["gdpr"]["offered"].append("erasur"),
            "- erasur\n",
            "unknown right `erasur`",
            "did you mean `erasure`?",
        ),
        (
            lambda d: d["recipients"][0].update(country="de"),
            "country: de",
            "`de` is not an ISO 3166-1",
            "did you mean `DE`?",
        ),
        (
            lambda d: d["recipients"][0].update(country="Germany"),
            "country: Germany",
            "`Germany` is not an ISO 3166-1",
            "did you mean `DE`?",
        ),
        (
            lambda d: d["recipients"][0].update(country="UK"),
            "country: UK",
            "`UK` is not an ISO 3166-1",
            "did you mean `GB`?",
        ),
        (
            lambda d: d["recipients"][0].update(country="EU"),
            "country: EU",
            "`EU` is not an ISO 3166-1",
            "the EU is not a country",
        ),
        (
            lambda d: d["rights"]["jurisdictions"].update(vcdpa={"offered": ["access"]}),
            "vcdpa:",
            "rights are declared for `vcdpa`, which is not in `organization.jurisdictions`",
            "add `vcdpa` there",
        ),
        (
            lambda d: d["recipients"][0].update(purposes=["order"]),
            "- order",
            "unknown purpose `order`",
            "did you mean `orders`?",
        ),
        (
            lambda d: d["cookies"][1].update(recipient="stat"),
            "recipient: stat",
            "unknown recipient `stat`",
            "did you mean `stats`?",
        ),
        (
            lambda d: d["purposes"][1].update(consent_category="analytic"),
            "consent_category: analytic",
            "unknown consent category",
            "did you mean `analytics`?",
        ),
        (lambda d: d["recipients"].append(dict(d["recipients"][0])), "id: host", "duplicate id `host`", ""),
        (
            lambda d: d.update(data_categories=[{"id": "contact.email", "label": "x"}]),
            "id: contact.email",
            "already a built-in category",
            "",
        ),
        (
            lambda d: d["rights"].update(auto_approve=["acess"]),
            "acess",
            "unknown right `acess`",
            "did you mean `access`?",
        ),
    ],
)
def test_reference_errors_suggest_the_nearest_valid_value(
    base: dict[str, Any], change: Callable[[dict[str, Any]], None], needle: str, message: str, hint: str
) -> None:
    change(base)
    text = dump(base)
    found = problems(text)
    problem = next(p for p in found if message in p.message)
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line + "\n"]
    assert problem.location.line == lines[-1]  # a duplicate is reported where it repeats
    assert problem.location.column >= 1
    assert problem.path
    assert hint in problem.hint


def test_model_and_reference_errors_are_reported_together(base: dict[str, Any]) -> None:
    base["organization"]["legal_nme"] = base["organization"].pop("legal_name")  # a misspelt required key
    base["purposes"][0]["lawful_basis"] = "contrakt"  # not an allowed word
    base["security"]["breach_notification_hours"] = "soon"  # wrong type, has a default
    base["policy"]["colour"] = "red"  # unknown key
    base["purposes"][0]["categories"].append("contact.emial")
    base["recipients"][0]["country"] = "Germany"
    found = problems(dump(base))
    assert (
        sorted(p.code for p in found)
        == ["TROTH002", "TROTH002", "TROTH002", "TROTH003", "TROTH003"] + ["TROTH004"] * 2
    )
    assert {p.path for p in found if p.code == "TROTH004"} == {
        "purposes[0].categories[3]",
        "recipients[0].country",
    }
    assert [p.location.line for p in found] == sorted(p.location.line for p in found)


def test_a_wrong_word_in_a_list_does_not_hide_reference_errors(base: dict[str, Any]) -> None:
    base["security"]["breach_channels"] = ["email", "pigeon"]
    base["recipients"][0]["country"] = "UK"
    found = problems(dump(base))
    assert [p.path for p in found] == ["recipients[0].country", "security.breach_channels[1]"]
    assert "did you mean `GB`?" in found[0].hint


def test_a_wrong_period_with_a_default_does_not_hide_reference_errors(base: dict[str, Any]) -> None:
    base["consent"] = {"ledger_retention": "forever"}
    base["recipients"][0]["country"] = "UK"
    found = problems(dump(base))
    assert [p.path for p in found] == ["recipients[0].country", "consent.ledger_retention"]


def test_no_reference_errors_are_guessed_when_an_id_is_invalid(base: dict[str, Any]) -> None:
    base["purposes"][0]["id"] = "Orders And More!"  # recipients refer to `orders`: that is not their fault
    base["purposes"][0]["categories"].append("contact.emial")
    found = problems(dump(base))
    assert [p.path for p in found] == ["purposes[0].id"]


def test_a_section_of_the_wrong_shape_is_not_read_as_empty(base: dict[str, Any]) -> None:
    base["purposes"] = "orders"  # with no purposes every recipient's purposes would look unknown
    found = problems(dump(base))
    assert [p.path for p in found] == ["purposes"]


# ---------------------------------------------------------------- YAML errors


def test_duplicate_key_names_both_lines() -> None:
    text = "organization:\n  legal_name: A\n  legal_name: B\n"
    problem = only(problems(text))
    assert problem.message == "duplicate key `legal_name`"
    assert (problem.location.line, problem.location.column) == (3, 3)
    assert problem.path == "organization.legal_name"
    assert "line 2" in problem.hint


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the file is empty"),
        ("# nothing but a comment\n", 1, "the file is empty"),
        ("~\n", 1, "the file is empty"),
        ("- organization\n", 1, "must be a mapping of sections"),
        ("just words\n", 1, "must be a mapping of sections"),
        ("organization:\n  legal_name: [A\n", 3, "invalid YAML"),
        ("organization:\n  legal_name: A\n bad: indent\n", 3, "invalid YAML"),
        ("a: 1\n---\nb: 2\n", 2, "one YAML document"),
        ("a: &x {b: 1}\nc:\n  <<: *x\n", 3, "merge keys"),
        ("a: !!python/object:os.system ls\n", 1, "unsupported YAML tag"),
        ("a: !custom {b: 1}\n", 1, "unsupported YAML tag"),
        ("a: &x [1, *x]\n", 1, "refers to a value that contains it"),
        ("a: 1\nb: \x07\n", 2, "control characters"),
        ("? [a, b]\n: 1\n", 1, "a key must be a plain word"),
    ],
)
def test_yaml_problems_have_a_line(text: str, line: int, message: str) -> None:
    problem = problems(text)[0]
    assert problem.location.file == "troth.yaml"
    assert problem.location.line == line
    assert problem.location.column >= 1
    assert message in problem.message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("organization:\n  legal_name: A\n   website: x\n", "indentation of this line"),
        (
            "organization:\n  legal_name: A\n bad: indent\n",
            "the keys of one mapping start at the same column",
        ),
        ("organization:\n\tlegal_name: A\n", "spaces, not tabs"),
        ("purposes:\n  - id: a\n  name: b\n - id: c\n", "indentation"),
        ("organization:\n  legal_name: [A\n", "not closed with `]`"),
        ('organization:\n  legal_name: "A\n', "quote or bracket is not closed"),
    ],
)
def test_yaml_syntax_errors_say_what_usually_causes_them(text: str, hint: str) -> None:
    assert hint in problems(text)[0].hint


def test_deep_nesting_is_refused_not_crashed() -> None:
    problem = only(problems("a: " + "[" * 20000 + "]" * 20000))
    assert "nested more than" in problem.message
    assert problem.location.line == 1


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    problem = only(problems("\n".join(lines)))
    assert "too large" in problem.message


def test_aliases_expand_to_independent_copies(base: dict[str, Any]) -> None:
    text = dump(base).replace("purposes:\n- id: orders", "purposes:\n- &orders\n  id: orders", 1)
    assert "&orders" in text
    loaded = read_text(text)
    assert loaded.declaration.purposes[0].id == "orders"


# ---------------------------------------------------------------- files and include


def test_missing_file_and_folder(
    tmp_path: Path, write: Callable[[str, str], Path], base: dict[str, Any]
) -> None:
    with pytest.raises(DeclarationError, match="file not found"):
        read(tmp_path / "nowhere.yaml")
    write("site/troth.yaml", dump(base))
    assert read(tmp_path / "site").declaration.age.minimum == 16


def test_non_utf8_file(write: Callable[[str, str], Path]) -> None:
    path = write("troth.yaml", "")
    path.write_bytes(b"organization:\n  legal_name: \xff\n")
    problem = only(problems_of_file(path))
    assert problem.message == "the file is not UTF-8 text"
    assert problem.location.line == 2


def problems_of_file(path: Path) -> list[Problem]:
    with pytest.raises(DeclarationError) as caught:
        read(path)
    return caught.value.problems


def test_include_concatenates_lists_and_merges_mappings(
    write: Callable[[str, str], Path], base: dict[str, Any]
) -> None:
    cookies = base.pop("cookies")
    security = base.pop("security")
    base["include"] = ["parts/cookies.yaml"]
    base["rights"]["verification"] = {"methods": ["email_code"]}
    root = write("troth.yaml", dump(base))
    write("parts/cookies.yaml", dump({"cookies": cookies[1:], "include": ["more.yaml"]}))
    write(
        "parts/more.yaml",
        dump({"cookies": cookies[:1], "security": security, "rights": {"verification": {"max_attempts": 3}}}),
    )
    declaration = read(root).declaration
    assert [c.name for c in declaration.cookies] == ["_st_id", "session"]
    assert declaration.security.measures == ["TLS everywhere", "encrypted backups"]
    assert declaration.rights.verification.methods == ["email_code"]
    assert declaration.rights.verification.max_attempts == 3


def test_error_in_included_file_points_into_it(
    write: Callable[[str, str], Path], base: dict[str, Any]
) -> None:
    base["include"] = "cookies.yaml"
    base["cookies"][0]["category"] = "necessary"
    root = write("troth.yaml", dump(base))
    write(
        "cookies.yaml",
        "cookies:\n  - name: x\n    provider: y\n    category: analytic\n    purpose: z\n    lifetime: 1 day\n",
    )
    problem = only(problems_of_file(root))
    assert problem.location.file == str(root.parent / "cookies.yaml")
    assert (problem.location.line, problem.location.column) == (4, 5)
    assert problem.path == "cookies[2].category"
    assert "did you mean `analytics`?" in problem.hint


def test_reference_error_from_included_file_points_into_it(
    write: Callable[[str, str], Path], base: dict[str, Any]
) -> None:
    base["include"] = "more.yaml"
    root = write("troth.yaml", dump(base))
    write("more.yaml", "recipients:\n  - id: mail\n    name: Mail\n    role: processor\n    country: XX\n")
    problem = only(problems_of_file(root))
    assert problem.location.file.endswith("more.yaml")
    assert problem.location.line == 5


def test_include_conflicting_scalar_names_both_places(
    write: Callable[[str, str], Path], base: dict[str, Any]
) -> None:
    base["include"] = ["age.yaml"]
    root = write("troth.yaml", dump(base))
    write("age.yaml", "age:\n  minimum: 13\n")
    problem = only(problems_of_file(root))
    assert problem.location.file.endswith("age.yaml")
    assert problem.location.line == 2
    assert problem.path == "age.minimum"
    assert f"{root}:{line_of(dump(base), 'minimum')}" in problem.message


def test_include_same_scalar_twice_is_fine(write: Callable[[str, str], Path], base: dict[str, Any]) -> None:
    base["include"] = ["age.yaml"]
    root = write("troth.yaml", dump(base))
    write("age.yaml", "age:\n  minimum: 16\n")
    assert read(root).declaration.age.minimum == 16


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.yaml": "include: troth.yaml\n"}, "already being included"),
        ({"a.yaml": "include: a.yaml\n"}, "already being included"),
        ({}, "included file `a.yaml` not found"),
        ({"a.yaml": "- a list\n"}, "must be a mapping"),
        ({"a.yaml": "a: [\n"}, "invalid YAML"),
        ({"a.yaml": "include: [{x: 1}]\n"}, "takes file names"),
    ],
)
def test_include_problems(
    write: Callable[[str, str], Path], base: dict[str, Any], files: dict[str, str], message: str
) -> None:
    base["include"] = "a.yaml"
    root = write("troth.yaml", dump(base))
    for name, text in files.items():
        write(name, text)
    problem = problems_of_file(root)[0]
    assert message in problem.message
    assert problem.location.line >= 1


def test_include_from_text_needs_a_folder(base: dict[str, Any], tmp_path: Path) -> None:
    base["include"] = "a.yaml"
    problem = only(problems(dump(base)))
    assert "read from a file" in problem.message
    (tmp_path / "a.yaml").write_text("security:\n  measures: [backups]\n")
    base.pop("security")
    assert read_text(dump(base), base_dir=tmp_path).declaration.security.measures == ["backups"]


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        (lambda d: d["purposes"][0]["categories"].append("email"), "did you mean `contact.email`?"),
        (lambda d: d["purposes"][0]["categories"].append("ip_adress"), "did you mean `device.ip_address`?"),
        (lambda d: d["organization"]["jurisdictions"].append("GDPR"), "did you mean `gdpr`?"),
        (lambda d: d["purposes"][0].update(lawful_basis="Consent"), "did you mean `consent`?"),
    ],
)
def test_suggestions_ignore_case_and_find_dotted_ids_by_their_last_part(
    base: dict[str, Any], change: Callable[[dict[str, Any]], None], hint: str
) -> None:
    change(base)
    assert only(problems(dump(base))).hint == hint


def test_missing_key_says_what_to_write(base: dict[str, Any]) -> None:
    del base["organization"]["contact_email"]
    del base["age"]["minimum"]
    found = problems(dump(base))
    assert [p.hint for p in found] == [
        "add `contact_email:` here: an email address",
        "add `minimum:` here: a whole number",
    ]


def test_syntax_error_names_the_section_it_is_in() -> None:
    problem = only(problems("organization:\n  legal_name: A\npurposes:\n  - id: [x\n"))
    assert problem.message.startswith("invalid YAML")
    assert problem.path.startswith("purposes[0]")


def test_oversized_input_is_refused(tmp_path: Path) -> None:
    assert "too large" in only(problems("a: " + "x" * 5_000_001)).message
    huge = tmp_path / "troth.yaml"
    with huge.open("wb") as sparse:
        sparse.truncate(30_000_000)  # a sparse file: refused by its size, never read
    problem = only(problems_of_file(huge))
    assert "too large" in problem.message
    assert problem.location.line == 1
