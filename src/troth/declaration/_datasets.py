"""The `datasets` section: the site's own data stores, as the request engine sees them."""

from __future__ import annotations

from pydantic import Field

from troth.declaration._types import Slug, Strict

__all__ = ["Collection", "Dataset", "DatasetField"]


class DatasetField(Strict):
    name: str
    categories: list[str] = []
    identity: str = Field("", description="the identity this field holds, e.g. email or user_id")


class Collection(Strict):
    name: str
    fields: list[DatasetField] = Field(min_length=1)


class Dataset(Strict):
    id: Slug
    connection_env: str = Field(description="environment variable holding the connection URL")
    collections: list[Collection] = Field(min_length=1)
