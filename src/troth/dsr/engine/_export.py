"""The access / portability archive, written while rows stream in.

    export.zip
      data.json          every row, grouped dataset → collection, fields labelled with categories
      csv/<dataset>.<collection>.csv
      index.html         human-readable, grouped by category with the declaration's labels
      manifest.json      counts, SHA-256 of every file, the plan, timestamp, policy version

Rows go to one spooled file per collection (memory up to 1 MB each, disk
beyond), then into the zip one file at a time, so memory stays bounded
however many rows the person has. Soft-deleted rows are included and flagged;
in rows shared with other people only the person's own fields are written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from troth.declaration import Collection, Dataset, Declaration
from troth.dsr.engine._graph import LookupSpec
from troth.dsr.engine._identity import json_default
from troth.dsr.engine._plan import Plan

__all__ = ["ArchiveWriter"]

_SPOOL = 1 << 20
_SHOWN_VALUES = 20


def _flag(value: Any) -> bool:
    return value not in (None, False, 0, "", "0", "false")


@dataclass
class _Values:
    where: str
    count: int = 0
    values: list[str] = field(default_factory=list)
    distinct: set[str] = field(default_factory=set)


class _Table:
    def __init__(self, dataset: Dataset, collection: Collection) -> None:
        self.dataset = dataset
        self.collection = collection
        self.names = [f.name for f in collection.fields]
        self.json: IO[str] = tempfile.SpooledTemporaryFile(_SPOOL, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.csv: IO[str] = tempfile.SpooledTemporaryFile(_SPOOL, mode="w+", encoding="utf-8", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.csv)
        self.writer.writerow([*self.names, "_deleted", "_found_as"])
        self.count = 0
        self.deleted = 0
        self.keys: set[tuple[Any, ...]] | None = None

    @property
    def file(self) -> str:
        return f"csv/{self.dataset.id}.{self.collection.name}.csv"

    def close(self) -> None:
        self.json.close()
        self.csv.close()


class ArchiveWriter:
    def __init__(self, declaration: Declaration, plan: Plan) -> None:
        self.declaration = declaration
        self.plan = plan
        self._tables: dict[tuple[str, str], _Table] = {}
        self._categories: dict[str, dict[tuple[str, str, str], _Values]] = {}
        mentioned = {s.key for s in plan.lookups if s.match == "contains"}
        self._tracked = mentioned | {s.key for s in plan.lookups if s.collection.shared}

    def _table(self, spec: LookupSpec) -> _Table:
        table = self._tables.get(spec.key)
        if table is None:
            table = self._tables[spec.key] = _Table(spec.dataset, spec.collection)
            if spec.key in self._tracked:
                table.keys = set()
        return table

    def add(self, spec: LookupSpec, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """Take one batch of rows found by `spec` (a sink for `Traversal.run`)."""
        table = self._table(spec)
        collection = spec.collection
        position = {name: i for i, name in enumerate(columns)}
        if spec.match == "contains":
            found_as, exported = "mention", [*collection.primary_key, spec.field]
        elif collection.shared:
            found_as = "participant"
            exported = [f.name for f in collection.fields if not f.owner or f.owner == spec.field]
        else:
            found_as, exported = "holder", [f.name for f in collection.fields]
        take = [(n, position[n]) for n in exported if n in position]
        key_at = [position[c] for c in collection.primary_key]
        soft = position.get(collection.soft_delete) if collection.soft_delete else None
        labelled = [(n, i, self._slots(spec, n)) for n, i in take]
        labelled = [(n, i, slots) for n, i, slots in labelled if slots]
        dumps, csv_row = json.dumps, table.writer.writerow
        for row in rows:
            if table.keys is not None:
                key = tuple(row[i] for i in key_at)
                if key in table.keys:
                    continue
                table.keys.add(key)
            record = {n: row[i] for n, i in take}
            deleted = soft is not None and _flag(row[soft])
            if deleted:
                record["_deleted"] = True
                table.deleted += 1
            if found_as != "holder":
                record["_found_as"] = found_as
            if table.count:
                table.json.write(",\n")
            table.json.write(dumps(record, default=json_default, ensure_ascii=False))
            csv_row([_cell(record.get(n)) for n in table.names] + [(deleted and "yes") or "", found_as])
            table.count += 1
            for _name, i, slots in labelled:
                value = row[i]
                if value is None or value == "":
                    continue
                for slot in slots:
                    slot.count += 1
                    if len(slot.values) < _SHOWN_VALUES:
                        text = str(value)
                        if text not in slot.distinct:
                            slot.distinct.add(text)
                            slot.values.append(text)

    def _slots(self, spec: LookupSpec, name: str) -> list[_Values]:
        f = spec.collection.field(name)
        if f is None:
            return []
        slots = []
        label = spec.collection.label or spec.collection.name
        for category in f.categories:
            where = f"{label}: {f.label or self.declaration.category_label(category)}"
            per = self._categories.setdefault(category, {})
            key = (spec.dataset.id, spec.collection.name, name)
            slots.append(per.setdefault(key, _Values(where)))
        return slots

    # ------------------------------------------------------------------ archive

    def write(self, out: IO[bytes], *, generated_at: dt.datetime | None = None) -> dict[str, Any]:
        """Write the zip to `out`; return the manifest."""
        when = (generated_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        policy = self.declaration.policy.version
        files: dict[str, dict[str, Any]] = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with _Entry(archive, "data.json", files) as entry:
                self._data_json(entry, when, policy)
            for table in self._tables.values():
                with _Entry(archive, table.file, files) as entry:
                    table.csv.seek(0)
                    while chunk := table.csv.read(_SPOOL):
                        entry.write(chunk.encode())
            with _Entry(archive, "index.html", files) as entry:
                entry.write(self._index_html(when, policy).encode())
            manifest = {
                "format": "troth-export/1",
                "generated_at": when,
                "policy_version": policy,
                "counts": {f"{d}.{c}": t.count for (d, c), t in self._tables.items()},
                "soft_deleted": {f"{d}.{c}": t.deleted for (d, c), t in self._tables.items() if t.deleted},
                "files": files,
                "plan": self.plan.to_dict(),
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        for table in self._tables.values():
            table.close()
        return manifest

    @property
    def counts(self) -> dict[str, int]:
        return {f"{d}.{c}": t.count for (d, c), t in self._tables.items()}

    def _data_json(self, entry: _Entry, when: str, policy: str) -> None:
        head = {"generated_at": when, "policy_version": policy, "identities": list(self.plan.identity_kinds)}
        entry.write(json.dumps(head)[:-1].encode() + b', "datasets": {')
        by_dataset: dict[str, list[_Table]] = {}
        for (dataset, _c), table in self._tables.items():
            by_dataset.setdefault(dataset, []).append(table)
        for d_index, (dataset, tables) in enumerate(by_dataset.items()):
            entry.write((", " if d_index else "").encode() + json.dumps(dataset).encode() + b": {")
            for t_index, table in enumerate(tables):
                fields = {
                    f.name: {
                        "categories": f.categories,
                        "label": f.label
                        or ", ".join(self.declaration.category_label(c) for c in f.categories),
                    }
                    for f in table.collection.fields
                }
                meta = {"label": table.collection.label or table.collection.name, "fields": fields}
                prefix = (", " if t_index else "") + json.dumps(table.collection.name) + ": "
                entry.write((prefix + json.dumps(meta)[:-1] + ', "rows": [\n').encode())
                table.json.seek(0)
                while chunk := table.json.read(_SPOOL):
                    entry.write(chunk.encode())
                entry.write(b"\n]}")
            entry.write(b"}")
        entry.write(b"}}\n")

    def _index_html(self, when: str, policy: str) -> str:
        categories = []
        for category, entries in sorted(self._categories.items()):
            shown = [
                {
                    "where": v.where,
                    "count": v.count,
                    "values": v.values,
                    "more": max(0, v.count - len(v.values)),
                }
                for v in entries.values()
                if v.count
            ]
            if shown:
                categories.append({"label": self.declaration.category_label(category), "entries": shown})
        tables = [
            {
                "label": t.collection.label or t.collection.name,
                "count": t.count,
                "deleted": t.deleted,
                "file": t.file,
            }
            for t in self._tables.values()
        ]
        html: str = _template().render(
            organization=self.declaration.organization.display_name,
            generated_at=when,
            policy_version=policy,
            categories=categories,
            tables=tables,
        )
        return html


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, default=json_default)
    return value


_ENVIRONMENT: list[Environment] = []


def _template() -> Any:
    if not _ENVIRONMENT:
        _ENVIRONMENT.append(
            Environment(loader=PackageLoader("troth.dsr", "templates"), autoescape=select_autoescape())
        )
    return _ENVIRONMENT[0].get_template("export_index.html")


class _Entry:
    """One file in the zip, hashed as it is written."""

    def __init__(self, archive: zipfile.ZipFile, name: str, files: dict[str, dict[str, Any]]) -> None:
        self.archive, self.name, self.files = archive, name, files
        self.digest = hashlib.sha256()
        self.size = 0

    def __enter__(self) -> _Entry:
        self.handle = self.archive.open(self.name, "w", force_zip64=True)
        return self

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
        self.files[self.name] = {"sha256": self.digest.hexdigest(), "bytes": self.size}
