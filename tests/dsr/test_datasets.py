"""The `datasets` section refuses declarations the engine could not execute, saying why."""

from __future__ import annotations

import pytest
from dsr_shop import declaration

from troth import DeclarationError

BASE = """
datasets:
  - id: app
    {connection}
    collections:
      - name: customer
        {collection}
        fields:
          - {{name: id, erase: delete_row}}
          - {{name: email, identity: email, categories: [contact.email]}}
      - name: invoice
        fields:
          - {{name: id}}
          - {field}
"""


@pytest.mark.parametrize(
    ("connection", "collection", "field", "message"),
    [
        (
            "connection_env: X",
            "",
            "{name: customer_id, references: {collection: client}}",
            "unknown collection `client`",
        ),
        (
            "connection_env: X",
            "",
            "{name: customer_id, references: {collection: customer, field: uid}}",
            "unknown field `customer.uid`",
        ),
        ("connection_env: X", "", "{name: total, erase: keep}", "`erase: keep` needs `keep"),
        ("connection_env: X", "", "{name: customer_id, required: true, erase: 'null'}", "NOT NULL"),
        (
            "connection_env: X",
            "",
            "{name: customer_id, references: {collection: customer}, erase: tombstone}",
            "needs a `tombstone` row",
        ),
        (
            "connection_env: X",
            "soft_delete: deleted_at",
            "{name: x}",
            "`deleted_at` is not one of its fields",
        ),
        ("connection_env: X", "", "{name: email, identity: Email}", "is not an identity name"),
        ("", "", "{name: x}", "give either `connection_env` or `webhook`"),
        ("connection_env: X", "", "{name: name, owner: id}", "owner of `name` must be a link field"),
    ],
)
def test_invalid_datasets_are_refused_with_a_reason(
    connection: str, collection: str, field: str, message: str
) -> None:
    text = BASE.format(connection=connection, collection=collection, field=field)
    with pytest.raises(DeclarationError) as caught:
        declaration(text)
    assert message in str(caught.value.problems)


def test_a_valid_dataset_loads_with_defaults() -> None:
    d = declaration(BASE.format(connection="connection_env: X", collection="", field="{name: total}"))
    customer = d.datasets[0].collections[0]
    assert customer.primary_key == ["id"] and customer.deletes_rows
    assert customer.field("email").action == "null"  # type: ignore[union-attr]
    assert d.datasets[0].collections[1].field("total").action == "none"  # type: ignore[union-attr]
