"""What the request engine asks of a data store, and the operations erasure sends it.

A connector answers two questions: *which rows match* (`fetch`, streamed, so
memory stays bounded however many rows a person has) and *apply these changes
in one transaction* (`erase`). Each kind of store is a thin subclass: SQL
databases through SQLAlchemy Core (`_sql.py`), systems troth cannot query
through a signed webhook (`_webhook.py`).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from troth.declaration import Collection, Dataset

__all__ = [
    "Connector",
    "Delete",
    "EnsureRow",
    "Fault",
    "Lookup",
    "Operation",
    "Relink",
    "Remote",
    "Rewrite",
    "Update",
    "UpdateEach",
]

Key = tuple[Any, ...]
#: Called before each statement of an erasure with a short description; tests raise from it.
Fault = Callable[[str], None]


@dataclass(frozen=True)
class Lookup:
    """Rows of `collection` whose `field` equals (or, for free text, contains) one of `values`."""

    collection: Collection
    field: str
    values: Sequence[Any]
    columns: Sequence[str]
    match: Literal["equals", "contains"] = "equals"


@dataclass(frozen=True)
class Delete:
    table: str
    key_columns: Sequence[str]
    keys: Sequence[Key]


@dataclass(frozen=True)
class Update:
    """Set the same values on every row in `keys`."""

    table: str
    assignments: dict[str, Any]
    key_columns: Sequence[str]
    keys: Sequence[Key]


@dataclass(frozen=True)
class UpdateEach:
    """Set per-row values (keyed hashes): `rows` pairs each key with its assignments."""

    table: str
    key_columns: Sequence[str]
    rows: Sequence[tuple[Key, dict[str, Any]]]


@dataclass(frozen=True)
class Relink:
    """Re-point every row whose `column` holds one of `values` (NULL or a tombstone key)."""

    table: str
    column: str
    values: Sequence[Any]
    replacement: Any


@dataclass(frozen=True)
class EnsureRow:
    """Insert `values` unless a row with the same key exists (the tombstone row)."""

    table: str
    key_columns: Sequence[str]
    values: dict[str, Any]


@dataclass(frozen=True)
class Rewrite:
    """Read `column` of each row in `keys` inside the transaction, write back `rewrite(value)` if it changed."""

    table: str
    key_columns: Sequence[str]
    keys: Sequence[Key]
    column: str
    rewrite: Callable[[Any], Any] = field(compare=False)


@dataclass(frozen=True)
class Remote:
    """Ask a system behind a webhook to act on everything it holds for these identities."""

    collection: str
    action: Literal["erase", "rectify", "restrict"]
    identities: dict[str, list[Any]]
    idempotency_key: str
    values: dict[str, Any] = field(default_factory=dict)


Operation = Delete | Update | UpdateEach | Relink | EnsureRow | Rewrite | Remote


class Connector(abc.ABC):
    """One dataset's store. Use as a context manager, or call `close()`."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    @abc.abstractmethod
    def fetch(self, lookup: Lookup) -> Iterator[Sequence[Any]]:
        """Stream the matching rows as tuples in `lookup.columns` order."""

    def fetch_many(self, lookups: Sequence[Lookup]) -> list[Iterable[Sequence[Any]]]:
        """Each lookup's rows, in order; consume them in order.

        A store that can answer several lookups in one round trip overrides this;
        by default each is an ordinary `fetch`, run when its rows are read.
        """
        return [self.fetch(lookup) for lookup in lookups]

    @abc.abstractmethod
    def erase(self, operations: Sequence[Operation], *, fault: Fault | None = None) -> list[int]:
        """Apply `operations` in order in one transaction; return the rows each affected."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
