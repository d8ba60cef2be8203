"""The webhook connector against a real local HTTP server that checks every signature."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from troth import ConnectorError
from troth.connectors import Lookup, Remote, open_connector, verify
from troth.declaration import Dataset, read_text
from troth.dsr.engine import execute, export_subject, parse_identities
from troth.store import make_engine, upgrade

SECRET = "webhook-shared-secret"
TICKETS = [{"id": i, "email": "ann@example.org", "subject": f"Ticket {i}"} for i in range(1, 6)]


class _Site(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    keys: list[str] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not verify(SECRET, self.headers["X-Troth-Timestamp"], body, self.headers["X-Troth-Signature"]):
            self.send_response(401)
            self.end_headers()
            return
        request = json.loads(body)
        self.received.append(request)
        if request["action"] == "access":
            start = int(request["cursor"] or 0)
            mine = [t for t in TICKETS if t["email"] in request["values"]]
            page = mine[start : start + request["page_size"]]
            more = start + len(page) < len(mine)
            answer: dict[str, Any] = {"rows": page, "next_cursor": str(start + len(page)) if more else None}
        else:
            self.keys.append(self.headers["Idempotency-Key"])
            answer = {"affected": len([t for t in TICKETS if t["email"] in request["identities"]["email"]])}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def site() -> Iterator[str]:
    _Site.received, _Site.keys = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/troth"
    server.shutdown()
    server.server_close()


def _yaml(url: str) -> str:
    return f"""
troth: 1
organization: {{legal_name: Shop, website: "https://shop.example.com", contact_email: p@shop.example.com,
               country: GB, jurisdictions: [uk_gdpr]}}
purposes: [{{id: support, name: Support, lawful_basis: contract, categories: [contact.email]}}]
rights: {{jurisdictions: {{uk_gdpr: {{offered: [access, erasure]}}}}, channels: [{{kind: email, address: p@shop.example.com}}]}}
age: {{minimum: 16}}
policy: {{version: "1", effective_date: 2024-01-01}}
datasets:
  - id: helpdesk
    webhook: {{url: "{url}", secret_env: HELPDESK_SECRET, page_size: 2}}
    collections:
      - name: tickets
        fields:
          - {{name: id}}
          - {{name: email, identity: email, categories: [contact.email]}}
          - {{name: subject, categories: [content.messages]}}
"""


def test_access_pages_through_signed_requests(site: str) -> None:
    dataset: Dataset = read_text(_yaml(site)).declaration.datasets[0]
    with open_connector(dataset, {"HELPDESK_SECRET": SECRET}) as connector:
        rows = list(
            connector.fetch(Lookup(dataset.collections[0], "email", ["ann@example.org"], ["id", "subject"]))
        )
    assert rows == [(i, f"Ticket {i}") for i in range(1, 6)]
    assert [r["cursor"] for r in _Site.received] == [None, "2", "4"]


def test_a_wrong_secret_is_refused_and_reported(site: str) -> None:
    dataset = read_text(_yaml(site)).declaration.datasets[0]
    with (
        open_connector(dataset, {"HELPDESK_SECRET": "not-the-secret"}) as connector,
        pytest.raises(ConnectorError) as caught,
    ):
        connector.erase([Remote("tickets", "erase", {"email": ["ann@example.org"]}, "k")])
    assert (
        "401" in str(caught.value) and caught.value.dataset == "helpdesk" and caught.value.table == "tickets"
    )


def test_engine_exports_and_erases_through_the_webhook(
    site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declaration = read_text(_yaml(site)).declaration
    connectors = {d.id: open_connector(d, {"HELPDESK_SECRET": SECRET}) for d in declaration.datasets}
    identities = parse_identities(["email=ann@example.org"])
    out = io.BytesIO()
    export_subject(declaration, connectors, identities, out)
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert len(data["datasets"]["helpdesk"]["tickets"]["rows"]) == 5

    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(store)
    result = execute(
        sessions=sessionmaker(store),
        secret="x" * 40,
        declaration=declaration,
        connectors=connectors,
        kind="erase",
        identities=identities,
    )
    assert result.outcomes == [{"dataset": "helpdesk", "collection": "tickets", "updated": 5}]
    assert _Site.received[-1]["identities"] == {"email": ["ann@example.org"]}
    assert _Site.keys == [f"{result.run_id}:tickets:erase"]
