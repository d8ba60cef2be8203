"""What changed between two policy versions, and whether people must be told.

A change is **material** when it widens what is done with people's data or
narrows what they can do about it: a new purpose, a new data category, a new
recipient or transfer, a changed lawful basis, a reduced right, a longer
retention, a new tracker. Everything else (wording, contact details, a purpose
dropped, a shorter retention) is **editorial**. Each change carries its reason,
shown on `/privacy/diff` and used by consent to re-ask only what changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from troth.declaration import parse_duration

__all__ = ["Change", "DiffLine", "classify", "text_diff"]

Data = dict[str, Any]
Label = Callable[[str], str]
_FOREVER = float("inf")
_MAX_EDITORIAL_PATHS = 20


@dataclass(frozen=True)
class Change:
    material: bool
    section: str
    summary: str
    kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _by_id(items: list[Data], key: str = "id") -> dict[str, Data]:
    return {str(item.get(key)): item for item in items}


def _added(old: list[Any], new: list[Any]) -> list[Any]:
    return [item for item in new if item not in old]


def _days(rule: Data) -> float:
    if rule.get("period"):
        return parse_duration(rule["period"]).days
    return _FOREVER  # kept until an event: no upper bound


def _purposes(old: Data, new: Data, out: list[Change], label: Label) -> None:
    before, after = _by_id(old.get("purposes", [])), _by_id(new.get("purposes", []))
    for pid, purpose in after.items():
        name = purpose.get("name", pid)
        if pid not in before:
            out.append(Change(True, "purposes", f"new purpose: {name}", "new_purpose"))
            continue
        was = before[pid]
        if was.get("lawful_basis") != purpose.get("lawful_basis"):
            out.append(
                Change(
                    True,
                    "purposes",
                    f"{name}: lawful basis changed from {was.get('lawful_basis')} to {purpose.get('lawful_basis')}",
                    "lawful_basis",
                )
            )
        if added := _added(was.get("categories", []), purpose.get("categories", [])):
            uses = ", ".join(label(category) for category in added)
            out.append(Change(True, "purposes", f"{name}: now also uses {uses}", "new_category"))
        for flag, verb in (("sold", "sold"), ("shared", "shared for advertising")):
            if purpose.get(flag) and not was.get(flag):
                out.append(Change(True, "purposes", f"{name}: personal information is now {verb}", "sale"))
    for pid in before.keys() - after.keys():
        out.append(
            Change(False, "purposes", f"purpose dropped: {before[pid].get('name', pid)}", "purpose_removed")
        )


def _recipients(old: Data, new: Data, out: list[Change], label: Label) -> None:
    before, after = _by_id(old.get("recipients", [])), _by_id(new.get("recipients", []))
    for rid, recipient in after.items():
        name = recipient.get("name", rid)
        if rid not in before:
            where = recipient.get("country", "")
            out.append(Change(True, "recipients", f"new recipient: {name} ({where})", "new_recipient"))
            continue
        was = before[rid]
        if was.get("country") != recipient.get("country"):
            out.append(
                Change(
                    True,
                    "recipients",
                    f"{name}: data now goes to {recipient.get('country')} (was {was.get('country')})",
                    "transfer",
                )
            )
        elif was.get("transfer_safeguard") != recipient.get("transfer_safeguard"):
            out.append(
                Change(
                    True,
                    "recipients",
                    f"{name}: transfer safeguard changed from {was.get('transfer_safeguard')} "
                    f"to {recipient.get('transfer_safeguard')}",
                    "transfer",
                )
            )
        if added := _added(was.get("categories", []), recipient.get("categories", [])):
            receives = ", ".join(label(category) for category in added)
            out.append(Change(True, "recipients", f"{name}: now receives {receives}", "new_category"))
        if added := _added(was.get("purposes", []), recipient.get("purposes", [])):
            out.append(Change(True, "recipients", f"{name}: now used for {', '.join(added)}", "new_purpose"))
    for rid in before.keys() - after.keys():
        out.append(
            Change(False, "recipients", f"recipient removed: {before[rid].get('name', rid)}", "removed")
        )


def _rights(old: Data, new: Data, out: list[Change]) -> None:
    before = old.get("rights", {}).get("jurisdictions", {})
    after = new.get("rights", {}).get("jurisdictions", {})
    for code, was in before.items():
        now = after.get(code)
        if now is None:
            out.append(Change(True, "rights", f"rights under {code} are no longer offered", "reduced_right"))
            continue
        if lost := [right for right in was.get("offered", []) if right not in now.get("offered", [])]:
            out.append(
                Change(True, "rights", f"{code}: no longer offered: {', '.join(lost)}", "reduced_right")
            )
        was_days, now_days = was.get("deadline_days"), now.get("deadline_days")
        if was_days and now_days and now_days > was_days:
            out.append(
                Change(
                    True,
                    "rights",
                    f"{code}: answers now take up to {now_days} days (was {was_days})",
                    "reduced_right",
                )
            )
    old_channels = old.get("rights", {}).get("channels", [])
    if lost_channels := [c for c in old_channels if c not in new.get("rights", {}).get("channels", [])]:
        kinds = ", ".join(str(c.get("kind")) for c in lost_channels)
        out.append(Change(True, "rights", f"fewer ways to make a request: {kinds} removed", "reduced_right"))


def _retention(old: Data, new: Data, out: list[Change]) -> None:
    before, after = _by_id(old.get("retention", [])), _by_id(new.get("retention", []))
    for rid, was in before.items():
        now = after.get(rid)
        if now is None:
            out.append(Change(True, "retention", f"retention rule {rid} removed", "longer_retention"))
        elif _days(now) > _days(was):
            period = now.get("period") or f"until {now.get('until')}"
            out.append(
                Change(
                    True,
                    "retention",
                    f"{rid}: kept longer: {period} (was {was.get('period') or was.get('until')})",
                    "longer_retention",
                )
            )
        elif now != was:
            out.append(Change(False, "retention", f"{rid}: rule reworded or shortened", "retention"))
    for rid in after.keys() - before.keys():
        out.append(Change(False, "retention", f"new retention rule: {rid}", "retention"))


def _trackers(old: Data, new: Data, out: list[Change]) -> None:
    for section, key in (("cookies", "name"), ("scripts", "id")):
        before = _by_id(old.get(section, []), key)
        for tid, item in _by_id(new.get(section, []), key).items():
            if tid not in before and item.get("category") != "necessary":
                label = item.get("name", tid)
                out.append(
                    Change(
                        True,
                        section,
                        f"new {item.get('category')} tracker: {label} ({item.get('provider')})",
                        "new_tracker",
                    )
                )


def _paths(old: Any, new: Any, prefix: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in sorted(old.keys() | new.keys()):
            found += _paths(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else key)
        return found
    return [] if old == new else [prefix]


def classify(old: Data, new: Data, *, label: Label = str) -> list[Change]:
    """Every change from `old` to `new` (declarations as JSON data), material ones first.

    `label` names a data category for people (e.g. `Declaration.category_label`).
    """
    changes: list[Change] = []
    _purposes(old, new, changes, label)
    _recipients(old, new, changes, label)
    _rights(old, new, changes)
    _retention(old, new, changes)
    _trackers(old, new, changes)
    covered = {change.section for change in changes}
    edited = [
        path
        for path in _paths(old, new, "")
        if path.split(".")[0] not in covered and path not in {"policy.version", "policy.effective_date"}
    ]
    for path in edited[:_MAX_EDITORIAL_PATHS]:
        changes.append(Change(False, path.split(".")[0], f"{path} changed", "edited"))
    if len(edited) > _MAX_EDITORIAL_PATHS:
        more = len(edited) - _MAX_EDITORIAL_PATHS
        changes.append(Change(False, "policy", f"and {more} more editorial changes", "edited"))
    return sorted(changes, key=lambda change: not change.material)


@dataclass(frozen=True)
class DiffLine:
    op: str  # " " same, "-" removed, "+" added, "@" a gap of unchanged lines
    text: str


def text_diff(before: str, after: str, *, context: int = 3) -> list[DiffLine]:
    """Two renderings of the policy compared line by line (Markdown: one paragraph a line)."""
    old_lines, new_lines = before.splitlines(), after.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        lines.append(DiffLine("@", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine(" ", line) for line in old_lines[i1:i2]]
                continue
            lines += [DiffLine("-", line) for line in old_lines[i1:i2]]
            lines += [DiffLine("+", line) for line in new_lines[j1:j2]]
    return lines
