"""The names other parts of troth import from `troth.declaration`: removing or renaming one breaks them."""

from __future__ import annotations

import troth.declaration

PUBLIC = [
    "BUILTIN_CATEGORIES",
    "JURISDICTIONS",
    "LAWFUL_BASES",
    "POLICY_OUTLINE",
    "RIGHTS",
    "Category",
    "Collection",
    "Cookie",
    "Dataset",
    "DatasetField",
    "Declaration",
    "Duration",
    "Jurisdiction",
    "LoadedDeclaration",
    "Organization",
    "Purpose",
    "Recipient",
    "RetentionRule",
    "Script",
    "load",
    "load_text",
    "parse_duration",
    "read",
    "read_text",
]


def test_public_names_are_pinned() -> None:
    assert sorted(troth.declaration.__all__) == sorted(PUBLIC)
    assert all(getattr(troth.declaration, name, None) is not None for name in PUBLIC)


def test_the_standard_section_ids_are_unique_slugs_in_policy_order() -> None:
    ids = [id for id, _ in troth.declaration.POLICY_OUTLINE]
    assert len(ids) == len(set(ids))
    assert ids[0] == "who-we-are" and ids[-1] == "contact"
    assert all(id.replace("-", "").isalpha() and id.islower() for id in ids)
