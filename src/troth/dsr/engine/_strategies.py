"""What erasure writes in place of personal data: redaction of mentions, keyed hashes.

A mention is an identity value inside free text, a JSON document or a
delimited list. Redaction removes the mention and nothing else, so another
person's message that names the subject survives, minus the name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from troth._crypto import keyed_hash
from troth.declaration import DatasetField

__all__ = ["hashed", "mention_pattern", "mentions", "redact_mentions"]


def mention_pattern(needles: Sequence[Any]) -> re.Pattern[str]:
    """Whole-value matches only: `ann@x.org` must not match inside `joann@x.org`."""
    words = sorted({str(n) for n in needles if str(n)}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in words) or r"(?!)"
    return re.compile(rf"(?<![\w.+-])(?:{body})(?![\w-])", re.IGNORECASE)


def mentions(value: Any, pattern: re.Pattern[str]) -> bool:
    if value is None:
        return False
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return pattern.search(text) is not None


def _walk(node: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(node, str):
        return pattern.sub(replacement, node)
    if isinstance(node, list):
        return [_walk(item, pattern, replacement) for item in node]
    if isinstance(node, dict):
        return {_walk(k, pattern, replacement): _walk(v, pattern, replacement) for k, v in node.items()}
    return node


def redact_mentions(
    value: Any, field: DatasetField, pattern: re.Pattern[str], *, replacement: str | None = None
) -> Any:
    """`value` with every mention removed (or replaced, for a correction), in the field's format.

    Unchanged when nothing matches. In a list, a removed mention drops the item.
    """
    if value is None:
        return None
    if field.format == "list" and isinstance(value, str):
        items = value.split(field.separator)
        if replacement is not None:
            kept = [replacement if pattern.fullmatch(item.strip()) else item for item in items]
        else:
            kept = [item for item in items if not pattern.fullmatch(item.strip())]
        return field.separator.join(kept) if kept != items else value
    text = field.redact_with if replacement is None else replacement
    if field.format == "json":
        parsed = json.loads(value) if isinstance(value, str | bytes) else value
        rewritten = _walk(parsed, pattern, text)
        if rewritten == parsed:
            return value
        return json.dumps(rewritten)
    if not isinstance(value, str):
        return value
    return pattern.sub(text, value)


def hashed(secret: str, dataset: str, value: Any) -> str | None:
    """A keyed hash that still joins equal values (for statistics) but cannot be reversed."""
    if value is None:
        return None
    return "hmac:" + keyed_hash(secret, str(value), purpose=f"dsr.erasure.{dataset}")[:40]
