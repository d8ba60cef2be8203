"""Who a request is about: identities as given, and how values survive a JSON checkpoint."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from troth._crypto import keyed_hash
from troth.dsr.engine._graph import PlanError

__all__ = ["Identities", "decode", "encode", "json_default", "parse_identities", "subject_hash"]

#: identity kind → values, e.g. {"email": ["a@x.org"], "user_id": [42]}
Identities = dict[str, list[Any]]

_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_NUMBER = re.compile(r"^-?\d{1,18}$")


def parse_identities(items: Iterable[str]) -> Identities:
    """`["email=a@x.org", "user_id=42"]` → identities; numbers for `*_id` kinds, emails also lower-cased."""
    found: Identities = {}
    for item in items:
        kind, sep, value = item.partition("=")
        kind, value = kind.strip(), value.strip()
        if not sep or not _KIND.match(kind) or not value:
            raise PlanError(f"`{item}` is not an identity: write kind=value, e.g. email=ann@example.org")
        values = found.setdefault(kind, [])
        for normal in _normalise(kind, value):
            if normal not in values:
                values.append(normal)
    if not found:
        raise PlanError("give at least one identity, e.g. --identity email=ann@example.org")
    return found


def _normalise(kind: str, value: str) -> list[Any]:
    if (kind == "id" or kind.endswith("_id")) and _NUMBER.match(value):
        return [int(value)]
    if "@" in value and value != value.lower():
        return [value, value.lower()]
    return [value]


def subject_hash(secret: str, identities: Mapping[str, list[Any]], *, purpose: str = "dsr.subject") -> str:
    canonical = json.dumps({k: sorted(map(str, v)) for k, v in sorted(identities.items())}, sort_keys=True)
    return keyed_hash(secret, canonical, purpose=purpose)


def json_default(value: Any) -> Any:
    """How exports write values JSON has no type for."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


_TAGS: dict[str, Any] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "decimal": decimal.Decimal,
    "uuid": uuid.UUID,
    "bytes": bytes.fromhex,
}


_PLAIN = frozenset({int, str, type(None), bool, float})


def encode(value: Any) -> Any:
    """A JSON-safe form of a key value that `decode` turns back into the same type."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return [v if type(v) in _PLAIN else encode(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$": "uuid", "v": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$": "bytes", "v": bytes(value).hex()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return str(value)


def decode(value: Any) -> Any:
    if isinstance(value, dict) and "$" in value:
        return _TAGS[value["$"]](value["v"])
    if isinstance(value, list):
        return tuple(decode(v) for v in value)
    return value
