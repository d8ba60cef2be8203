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
import html
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from troth.declaration import Collection, Dataset, Declaration
from troth.dsr.engine._graph import LookupSpec
from troth.dsr.engine._identity import json_default
from troth.dsr.engine._plan import Plan

__all__ = ["ArchiveWriter"]

_SPOOL = 1 << 20
_SHOWN_VALUES = 20
_SMALL = 64 * 1024


def _flag(value: Any) -> bool:
    return value not in (None, False, 0, "", "0", "false")


@dataclass
class _Values:
    where: str
    count: int = 0
    values: list[str] = field(default_factory=list)
    distinct: set[str] = field(default_factory=set)


class _Spool:
    """Text kept in memory up to `_SPOOL` characters, then in a temporary file."""

    def __init__(self) -> None:
        self._memory: io.StringIO | None = io.StringIO()
        self._file: IO[str] | None = None
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        if self._memory is not None:
            self._memory.write(text)
            if self.size > _SPOOL:
                self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
                self._file.write(self._memory.getvalue())
                self._memory = None
            return len(text)
        assert self._file is not None
        return self._file.write(text)

    def chunks(self) -> Iterator[bytes]:
        if self._memory is not None:
            yield self._memory.getvalue().encode()
            return
        assert self._file is not None
        self._file.seek(0)
        while chunk := self._file.read(_SPOOL):
            yield chunk.encode()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._memory = None


class _Table:
    def __init__(self, dataset: Dataset, collection: Collection) -> None:
        self.dataset = dataset
        self.collection = collection
        self.names = [f.name for f in collection.fields]
        self.json = _Spool()
        self.csv = _Spool()
        # a batch's CSV lines are formatted into one buffer, then go to the spool in one write
        self._lines = io.StringIO()
        self._writer = csv.writer(self._lines)
        self.write_csv([[*self.names, "_deleted", "_found_as"]])
        self.count = 0
        self.deleted = 0
        self.keys: set[tuple[Any, ...]] | None = None

    def write_csv(self, lines: list[list[Any]]) -> None:
        self._writer.writerows(lines)
        self.csv.write(self._lines.getvalue())
        self._lines.seek(0)
        self._lines.truncate()

    @property
    def file(self) -> str:
        return f"csv/{self.dataset.id}.{self.collection.name}.csv"

    def close(self) -> None:
        self.json.close()
        self.csv.close()


@dataclass(frozen=True)
class _Shape:
    found_as: str
    take: list[tuple[str, int]]
    key_at: list[int]
    soft: int | None
    csv_at: list[int | None]
    structured: list[int]
    labelled: list[tuple[str, list[tuple[str, str]]]]


class ArchiveWriter:
    def __init__(self, declaration: Declaration, plan: Plan) -> None:
        self.declaration = declaration
        self.plan = plan
        self._tables: dict[tuple[str, str], _Table] = {}
        self._categories: dict[str, dict[tuple[str, str, str], _Values]] = {}
        mentioned = {s.key for s in plan.lookups if s.match == "contains"}
        keyed = {s.key for s in plan.lookups if s.collection.primary_key}
        self._tracked = (mentioned | {s.key for s in plan.lookups if s.collection.shared}) & keyed

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
        shape = self._shape(spec, columns)
        take, soft, found_as = shape.take, shape.soft, shape.found_as
        records: list[dict[str, Any]] = []
        lines: list[list[Any]] = []
        flagged = found_as != "holder"
        for row in rows:
            if table.keys is not None:
                key = tuple(row[i] for i in shape.key_at)
                if key in table.keys:
                    continue
                table.keys.add(key)
            record = {n: row[i] for n, i in take}
            deleted = soft is not None and _flag(row[soft])
            if deleted:
                record["_deleted"] = True
                table.deleted += 1
            if flagged:
                record["_found_as"] = found_as
            records.append(record)
            line = [None if i is None else row[i] for i in shape.csv_at]
            for i in shape.structured:
                line[i] = _cell(line[i])
            line += ["yes" if deleted else "", found_as]
            lines.append(line)
        if not records:
            return
        table.json.write((",\n" if table.count else "") + _ENCODER.encode(records)[1:-1])
        table.write_csv(lines)
        table.count += len(records)
        for name, labels in shape.labelled:
            values = [r[name] for r in records if r[name] is not None and r[name] != ""]
            if not values:
                continue
            for category, where in labels:
                slot = self._categories.setdefault(category, {}).get((*spec.key, name))
                if slot is None:
                    slot = self._categories[category][(*spec.key, name)] = _Values(where)
                slot.count += len(values)
                for value in values:
                    if len(slot.values) >= _SHOWN_VALUES:
                        break
                    text = str(value)
                    if text not in slot.distinct:
                        slot.distinct.add(text)
                        slot.values.append(text)

    def _shape(self, spec: LookupSpec, columns: Sequence[str]) -> _Shape:
        """How rows of one lookup map to the archive; computed once per plan."""
        cache_key = ("export", id(spec), tuple(columns))
        shape = self.plan.cache.get(cache_key)
        if isinstance(shape, _Shape):
            return shape
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
        taken = dict(take)
        names = [f.name for f in collection.fields]
        label = collection.label or collection.name
        labelled = []
        for name, _i in take:
            f = collection.field(name)
            if f is not None and f.categories:
                labels = [
                    (c, f"{label}: {f.label or self.declaration.category_label(c)}") for c in f.categories
                ]
                labelled.append((name, labels))
        structured = [i for i, n in enumerate(names) if (f := collection.field(n)) and f.format == "json"]
        shape = _Shape(
            found_as=found_as,
            take=take,
            key_at=[position[c] for c in collection.primary_key],
            soft=position.get(collection.soft_delete) if collection.soft_delete else None,
            csv_at=[taken.get(n) for n in names],
            structured=structured,
            labelled=labelled,
        )
        self.plan.cache[cache_key] = shape
        return shape

    # ------------------------------------------------------------------ archive

    def write(self, out: IO[bytes], *, generated_at: dt.datetime | None = None) -> dict[str, Any]:
        """Write the zip to `out`; return the manifest."""
        when = (generated_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        policy = self.declaration.policy.version
        files: dict[str, dict[str, Any]] = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            small = sum(t.json.size for t in self._tables.values()) < _SMALL
            with _Entry(archive, "data.json", files, small=small) as entry:
                self._data_json(entry, when, policy)
            for table in self._tables.values():
                with _Entry(archive, table.file, files, small=table.csv.size < _SMALL) as entry:
                    for chunk in table.csv.chunks():
                        entry.write(chunk)
            with _Entry(archive, "index.html", files, small=True) as entry:
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
            archive.writestr("manifest.json", json.dumps(manifest))
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
                entry.write((b", " if t_index else b"") + self._table_head(table))
                for chunk in table.json.chunks():
                    entry.write(chunk)
                entry.write(b"\n]}")
            entry.write(b"}")
        entry.write(b"}}\n")

    def _table_head(self, table: _Table) -> bytes:
        """`"name": {"label": …, "fields": {…}, "rows": [` of one collection; the same for every person."""
        cache_key = ("export-head", table.dataset.id, table.collection.name)
        head = self.plan.cache.get(cache_key)
        if isinstance(head, bytes):
            return head
        fields = {
            f.name: {
                "categories": f.categories,
                "label": f.label or ", ".join(self.declaration.category_label(c) for c in f.categories),
            }
            for f in table.collection.fields
        }
        meta = {"label": table.collection.label or table.collection.name, "fields": fields}
        head = (json.dumps(table.collection.name) + ": " + json.dumps(meta)[:-1] + ', "rows": [\n').encode()
        self.plan.cache[cache_key] = head
        return head

    def _index_html(self, when: str, policy: str) -> str:
        """The human-readable page: what is held, grouped by category, in the declaration's words."""
        e = html.escape
        organization = e(self.declaration.organization.display_name)
        parts = [
            _HTML_HEAD.format(organization=organization),
            f"<p class=note>Prepared {e(when)} under privacy policy version {e(policy)}. The complete records "
            "are in <code>data.json</code> (machine-readable) and one CSV file per table.</p>",
        ]
        for category, entries in sorted(self._categories.items()):
            rows = [
                f"<tr><td>{e(v.where)}</td><td>{v.count}</td><td>{e(', '.join(v.values))}"
                + (f" … and {v.count - len(v.values)} more" if v.count > len(v.values) else "")
                + "</td></tr>"
                for v in entries.values()
                if v.count
            ]
            if rows:
                parts.append(f"<h2>{e(self.declaration.category_label(category))}</h2>")
                parts.append(
                    _TABLE_HEAD.format("Where", "Records", "Values") + "".join(rows) + "</tbody></table>"
                )
        parts.append("<h2>Records by table</h2>")
        parts.append(
            _TABLE_HEAD.format("Table", "Records", "Marked deleted")
            + "".join(
                f"<tr><td>{e(t.collection.label or t.collection.name)} (<code>{e(t.file)}</code>)</td>"
                f"<td>{t.count}</td><td>{t.deleted}</td></tr>"
                for t in self._tables.values()
            )
            + "</tbody></table>"
        )
        parts.append("</body></html>\n")
        return "\n".join(parts)


_HTML_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your data held by {organization}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
h2 {{ font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }}
table {{ border-collapse: collapse; width: 100%; }} .note {{ color: #555; }}
th, td {{ text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }}
</style></head><body>
<h1>Your data held by {organization}</h1>"""
_TABLE_HEAD = '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>'


_ENCODER = json.JSONEncoder(default=json_default, ensure_ascii=False)


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, default=json_default)
    return value


class _Entry:
    """One file in the zip, hashed as it is written."""

    def __init__(
        self, archive: zipfile.ZipFile, name: str, files: dict[str, dict[str, Any]], *, small: bool = False
    ) -> None:
        self.archive, self.name, self.files = archive, name, files
        self.small = small
        self.digest = hashlib.sha256()
        self.size = 0

    def __enter__(self) -> _Entry:
        # Small files are stored: compressing a few kilobytes costs more time than it saves.
        self.archive.compression = zipfile.ZIP_STORED if self.small else zipfile.ZIP_DEFLATED
        self.handle = self.archive.open(self.name, "w", force_zip64=True)
        return self

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
        self.files[self.name] = {"sha256": self.digest.hexdigest(), "bytes": self.size}
