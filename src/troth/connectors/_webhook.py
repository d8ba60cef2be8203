"""Systems troth cannot query: it POSTs a signed JSON request to a URL the site implements.

Every request carries `X-Troth-Timestamp` and `X-Troth-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` under the dataset's shared
secret, plus an `Idempotency-Key` for changes. Access pages through results:

    → {"action": "access", "dataset": "crm", "collection": "tickets",
       "field": "email", "values": ["a@x.org"], "columns": [...], "cursor": null, "page_size": 500}
    ← {"rows": [{"id": 7, "email": "a@x.org", ...}], "next_cursor": "…" | null}

    → {"action": "erase", "dataset": "crm", "collection": "tickets", "identities": {"email": [...]}}
    ← {"affected": 3}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from troth._crypto import constant_time_equal
from troth._errors import ConnectorError
from troth.connectors._base import Connector, Fault, Lookup, Operation, Remote
from troth.declaration import Dataset

if TYPE_CHECKING:  # imported when a webhook dataset is opened: `troth serve` need not load it at start
    import httpx

__all__ = ["WebhookConnector", "sign", "verify"]

_MAX_PAGES = 100_000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, max_age: float = 300) -> bool:
    """What a site's endpoint does with troth's request: check the signature and its freshness."""
    try:
        age = abs(time.time() - float(timestamp))
    except ValueError:
        return False
    return age <= max_age and constant_time_equal(sign(secret, timestamp, body), signature)


class WebhookConnector(Connector):
    def __init__(self, dataset: Dataset, secret: str, *, client: httpx.Client | None = None) -> None:
        super().__init__(dataset)
        assert dataset.webhook is not None
        self.url = str(dataset.webhook.url)
        self.page_size = dataset.webhook.page_size
        self._secret = secret
        if client is None:
            import httpx

            client = httpx.Client(timeout=dataset.timeout_seconds)
        self._client = client

    def _post(self, payload: dict[str, Any], collection: str, *, key: str = "") -> dict[str, Any]:
        body = json.dumps(payload, default=str, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Troth-Timestamp": timestamp,
            "X-Troth-Signature": sign(self._secret, timestamp, body),
        }
        if key:
            headers["Idempotency-Key"] = key
        where = f"POST {self.url} ({payload['action']})"
        import httpx

        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ConnectorError(
                f"webhook unreachable: {exc}", dataset=self.dataset.id, table=collection, sql=where
            ) from None
        if response.status_code >= 300:
            raise ConnectorError(
                f"webhook answered {response.status_code}: {response.text[:200]}",
                dataset=self.dataset.id,
                table=collection,
                sql=where,
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ConnectorError(
                "webhook answer is not a JSON object", dataset=self.dataset.id, table=collection, sql=where
            )
        return answer

    def fetch(self, lookup: Lookup) -> Iterator[Sequence[Any]]:
        name = lookup.collection.name
        cursor: Any = None
        for _ in range(_MAX_PAGES):
            payload = {
                "action": "access",
                "dataset": self.dataset.id,
                "collection": name,
                "field": lookup.field,
                "values": list(lookup.values),
                "columns": list(lookup.columns),
                "cursor": cursor,
                "page_size": self.page_size,
            }
            answer = self._post(payload, name)
            rows = answer.get("rows", [])
            if not isinstance(rows, list):
                raise ConnectorError("webhook `rows` is not a list", dataset=self.dataset.id, table=name)
            for row in rows:
                yield tuple(row.get(c) if isinstance(row, dict) else None for c in lookup.columns)
            cursor = answer.get("next_cursor")
            if not cursor:
                return
        raise ConnectorError(
            f"webhook returned more than {_MAX_PAGES} pages", dataset=self.dataset.id, table=name
        )

    def erase(self, operations: Sequence[Operation], *, fault: Fault | None = None) -> list[int]:
        counts: list[int] = []
        for op in operations:
            if not isinstance(op, Remote):
                raise ConnectorError(
                    f"a webhook dataset cannot run {type(op).__name__}", dataset=self.dataset.id
                )
            if fault is not None:
                fault(f"{self.dataset.id}.{op.collection}:Remote")
            payload = {
                "action": op.action,
                "dataset": self.dataset.id,
                "collection": op.collection,
                "identities": op.identities,
                "values": op.values,
            }
            answer = self._post(payload, op.collection, key=op.idempotency_key)
            affected = answer.get("affected", 0)
            counts.append(affected if isinstance(affected, int) else 0)
        return counts

    def close(self) -> None:
        self._client.close()
