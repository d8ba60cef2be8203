"""The `datasets` section: the site's own data stores, as the request engine sees them.

A dataset is one database (or one system reached by webhook). Its collections
are tables or views; their fields carry data categories, say which identity
they hold (`email`, `user_id`, …), which other field they point at, and what
erasure does to them:

    datasets:
      - id: shop
        connection_env: SHOP_DATABASE_URL      # the URL itself stays in the environment
        collections:
          - name: customer
            tombstone: {id: 0, email: erased@invalid, name: Erased customer}
            fields:
              - {name: id, erase: delete_row}
              - {name: email, categories: [contact.email], identity: email}
          - name: invoice
            fields:
              - {name: customer_id, references: {collection: customer}, required: true, erase: tombstone}
              - name: billing_name
                categories: [identity.name]
                erase: keep
                keep: {reason: Tax law (HGB §257), period: 10 years, since: issued_at}

The shape follows Fides' dataset files (collections → fields → categories,
identity, references) so a Fides dataset can be imported field for field.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from troth.declaration._types import DurationField, Slug, Strict

__all__ = [
    "ERASURE_ACTIONS",
    "Collection",
    "Dataset",
    "DatasetField",
    "DatasetWebhook",
    "Keep",
    "Reference",
]

ErasureAction = Literal["delete_row", "null", "redact", "hash", "tombstone", "keep"]
ERASURE_ACTIONS: tuple[str, ...] = ErasureAction.__args__  # type: ignore[attr-defined]

_IDENTITY = re.compile(r"^[a-z][a-z0-9_]*$")
Scalar = str | int | float | bool | None


class Keep(Strict):
    """Why a field outlives an erasure request, and until when."""

    reason: str = Field(min_length=1, description="the legal obligation, e.g. 'Tax law: invoices 10 years'")
    period: DurationField
    since: str = Field("", description="date field the period counts from; default: the erasure date")


class Reference(Strict):
    """A link from this field to a field of another collection of the same dataset."""

    collection: str
    field: str = "id"
    declared: bool = Field(True, description="false when the database has no foreign key for this link")
    traverse: bool = Field(
        True,
        description="rows pointing at the person's rows are the person's (false: link only orders erasure)",
    )


class DatasetField(Strict):
    name: str
    label: str = Field("", description="plain-language label shown in exports; default: the category's")
    categories: list[str] = []
    identity: str = Field("", description="the identity this field holds, e.g. email or user_id")
    references: Reference | None = None
    required: bool = Field(False, description="NOT NULL: erasure may not null it (tombstone instead)")
    erase: ErasureAction | None = Field(
        None, description="what erasure does; default `null` for fields with categories, else nothing"
    )
    redact_with: str = "[redacted]"
    keep: Keep | None = None
    contains: list[str] = Field([], description="identities mentioned inside this text / JSON / list")
    format: Literal["text", "json", "list"] = "text"
    separator: str = ";"
    owner: str = Field("", description="shared rows: the link field naming the person this field belongs to")

    @field_validator("identity")
    @classmethod
    def _identity_name(cls, value: str) -> str:
        if value and not _IDENTITY.match(value):
            raise ValueError(
                f"`{value}` is not an identity name: use lower-case words, e.g. email or user_id"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DatasetField:
        if self.erase == "keep" and self.keep is None:
            raise ValueError(f"field `{self.name}`: `erase: keep` needs `keep: {{reason, period}}`")
        if self.keep is not None and self.erase not in (None, "keep"):
            raise ValueError(f"field `{self.name}`: `keep` is only meaningful with `erase: keep`")
        if self.required and self.action == "null":
            raise ValueError(
                f"field `{self.name}` is NOT NULL (`required: true`): erasure cannot null it; "
                "choose `erase: redact`, `tombstone`, `keep` or `delete_row`"
            )
        if self.erase == "tombstone" and self.references is None:
            raise ValueError(f"field `{self.name}`: `erase: tombstone` re-points a link; add `references`")
        return self

    @property
    def action(self) -> str:
        """The effective erasure action: `none` when the field holds no personal data."""
        if self.erase is not None:
            return self.erase
        if self.keep is not None:
            return "keep"
        return "null" if self.categories else "none"


class Collection(Strict):
    name: str
    label: str = ""
    primary_key: list[str] = Field(["id"], description="the columns that identify a row")
    read_only: bool = Field(False, description="a view or other object troth may read but never change")
    soft_delete: str = Field("", description="column marking a row deleted (a timestamp or a flag)")
    restrict_column: str = Field("", description="boolean column set while processing is restricted")
    tombstone: dict[str, Scalar] | None = Field(
        None, description="stand-in row that NOT NULL links are re-pointed to when their owner is erased"
    )
    fields: list[DatasetField] = Field(min_length=1)

    @field_validator("primary_key", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _view_without_key(cls, data: object) -> object:
        """A view rarely has an `id`: without one, a read-only collection has no key."""
        if isinstance(data, dict) and data.get("read_only") and "primary_key" not in data:
            fields = data.get("fields")
            names = (
                {f.get("name") for f in fields if isinstance(f, dict)} if isinstance(fields, list) else set()
            )
            if "id" not in names:
                return {**data, "primary_key": []}
        return data

    def field(self, name: str) -> DatasetField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def deletes_rows(self) -> bool:
        return any(f.action == "delete_row" for f in self.fields)

    @property
    def shared(self) -> bool:
        """Rows hold several people's data (a conversation between two customers)."""
        return any(f.owner for f in self.fields)

    @model_validator(mode="after")
    def _fields_exist(self) -> Collection:
        names = [f.name for f in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"collection `{self.name}`: field `{duplicates[0]}` is declared twice")
        known = set(names)
        if not self.read_only and not self.primary_key:
            raise ValueError(f"collection `{self.name}`: give a `primary_key`, or mark it `read_only`")
        for column in [*self.primary_key, self.soft_delete, self.restrict_column]:
            if column and column not in known:
                raise ValueError(f"collection `{self.name}`: `{column}` is not one of its fields")
        for f in self.fields:
            owner = self.field(f.owner) if f.owner else None
            if f.owner and (owner is None or owner.references is None):
                raise ValueError(
                    f"collection `{self.name}`: owner of `{f.name}` must be a link field (with `references`)"
                )
            if f.keep and f.keep.since and f.keep.since not in known:
                raise ValueError(
                    f"collection `{self.name}`: keep.since `{f.keep.since}` is not one of its fields"
                )
            if self.read_only and f.erase not in (None, "keep"):
                raise ValueError(f"collection `{self.name}` is read-only: field `{f.name}` cannot be erased")
        if self.tombstone is not None:
            missing = [c for c in self.primary_key if c not in self.tombstone]
            if missing:
                raise ValueError(f"collection `{self.name}`: the tombstone row needs its key `{missing[0]}`")
        return self


class DatasetWebhook(Strict):
    """A system troth cannot query: troth POSTs signed requests the site answers."""

    url: HttpUrl
    secret_env: str = Field(description="environment variable holding the signing secret")
    page_size: int = Field(500, ge=1, le=10000)


class Dataset(Strict):
    id: Slug
    description: str = ""
    connection_env: str = Field("", description="environment variable holding the connection URL")
    db_schema: str = Field("", description="PostgreSQL schema or MariaDB database of the collections")
    webhook: DatasetWebhook | None = None
    timeout_seconds: float = Field(30.0, gt=0, le=3600, description="limit for every statement")
    collections: list[Collection] = Field(min_length=1)

    def collection(self, name: str) -> Collection | None:
        return next((c for c in self.collections if c.name == name), None)

    @model_validator(mode="after")
    def _links_resolve(self) -> Dataset:
        if bool(self.connection_env) == bool(self.webhook):
            raise ValueError(f"dataset `{self.id}`: give either `connection_env` or `webhook`")
        names = [c.name for c in self.collections]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"dataset `{self.id}`: collection `{duplicates[0]}` is declared twice")
        for collection in self.collections:
            for f in collection.fields:
                ref = f.references
                if ref is None:
                    continue
                target = self.collection(ref.collection)
                where = f"dataset `{self.id}`, {collection.name}.{f.name}"
                if target is None:
                    raise ValueError(f"{where}: references unknown collection `{ref.collection}`")
                if target.field(ref.field) is None:
                    raise ValueError(f"{where}: references unknown field `{ref.collection}.{ref.field}`")
                if f.action == "tombstone" and target.tombstone is None:
                    raise ValueError(
                        f"{where}: `erase: tombstone` needs a `tombstone` row on collection `{target.name}`"
                    )
        return self
