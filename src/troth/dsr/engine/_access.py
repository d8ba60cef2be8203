"""Access and portability: every row the plan reaches, streamed into one archive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from troth.connectors import Connector
from troth.declaration import Collection, Dataset, Declaration
from troth.dsr.engine._export import ArchiveWriter
from troth.dsr.engine._identity import Identities
from troth.dsr.engine._plan import Plan, make_plan
from troth.dsr.engine._traverse import Traversal

__all__ = ["AccessResult", "export_subject"]


@dataclass(frozen=True)
class AccessResult:
    plan: Plan
    counts: dict[str, int]
    manifest: dict[str, Any]


def _every_field(_dataset: Dataset, collection: Collection) -> list[str]:
    return [f.name for f in collection.fields]


def export_subject(
    declaration: Declaration,
    connectors: Mapping[str, Connector],
    identities: Identities,
    out: IO[bytes],
    *,
    plan: Plan | None = None,
    progress: Callable[[str, int], None] | None = None,
    generated_at: dt.datetime | None = None,
) -> AccessResult:
    """Write the person's archive (data.json, CSVs, index.html, manifest.json) to `out`."""
    plan = plan or make_plan(declaration, identities)
    writer = ArchiveWriter(declaration, plan)
    Traversal(plan, connectors, identities, _every_field).run(writer.add, progress=progress)
    manifest = writer.write(out, generated_at=generated_at)
    return AccessResult(plan, writer.counts, manifest)
