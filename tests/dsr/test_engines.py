"""The request engine end to end on the demo shop, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from dsr_shop import SECRET, Shop
from sqlalchemy.orm import Session, sessionmaker

from troth.dsr.engine import execute, export_subject, is_restricted, parse_identities

ANN = parse_identities(["email=ann@example.org"])


def _ids(shop: Shop, table: str) -> set[int]:
    return {int(str(row[0])) for row in shop.rows(table)}


def _row(shop: Shop, table: str, key: int) -> dict[str, object]:
    with shop.engine.connect() as connection:
        result = connection.exec_driver_sql(f"SELECT * FROM {shop.table(table)} WHERE id = {key}")
        row = result.mappings().first()
    assert row is not None, f"{table} {key} is gone"
    return dict(row)


def test_access_archive_holds_every_row_of_the_person_and_only_theirs(any_shop: Shop) -> None:
    out = io.BytesIO()
    result = export_subject(any_shop.declaration, any_shop.connectors(), ANN, out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    data = json.loads(archive.read("data.json"))["datasets"]["shop"]
    manifest = json.loads(archive.read("manifest.json"))

    # multi-hop: customer → orders → items; the old email found through the user id reaches a guest order
    assert {r["id"] for r in data["orders"]["rows"]} == {101, 102, 103, 104}
    assert {r["id"] for r in data["order_item"]["rows"]} == {1001, 1002, 1003, 1004, 1005}
    assert {r["id"] for r in data["revision"]["rows"]} == {311, 312, 321}
    assert {r["id"] for r in data["login_event"]["rows"]} == {1, 2}
    # soft-deleted rows are included and flagged
    assert [r["id"] for r in data["post"]["rows"] if r.get("_deleted")] == [32]
    # a shared conversation shows the person's own side only
    (conversation,) = data["conversation"]["rows"]
    assert conversation["a_display_name"] == "Ann E." and "b_display_name" not in conversation
    # other people's rows appear only as the mention, without their other fields
    mention = next(r for r in data["message"]["rows"] if r["id"] == 712)
    assert mention["_found_as"] == "mention" and set(mention) == {"id", "body", "_found_as"}
    assert data["customer"]["fields"]["email"] == {"categories": ["contact.email"], "label": "Email address"}
    # the view is read, not skipped
    assert [r["email"] for r in data["customer_summary"]["rows"]] == ["ann@example.org"]

    html = archive.read("index.html").decode()
    assert "Email address" in html and "ann@example.org" in html and "Bob Sample" not in html
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
    assert manifest["counts"]["shop.orders"] == 4 == result.counts["shop.orders"]
    assert manifest["policy_version"] == "2024-06"
    assert "csv/shop.orders.csv" in archive.namelist()


def test_erasure_removes_the_person_keeps_the_law_and_leaves_others_intact(
    any_shop: Shop, store: sessionmaker[Session]
) -> None:
    result = execute(
        sessions=store,
        secret=SECRET,
        declaration=any_shop.declaration,
        connectors=any_shop.connectors(),
        kind="erase",
        identities=ANN,
    )
    shop = any_shop
    by = {o["collection"]: o for o in result.outcomes}
    assert _ids(shop, "customer") == {0, 2, 3}  # 0: the tombstone the kept invoice now points at
    assert _ids(shop, "address") == {21}
    assert _ids(shop, "orders") == {201, 301}
    assert _ids(shop, "order_item") == {2001, 3001}
    assert _ids(shop, "post") == {33} and _ids(shop, "revision") == {331}
    assert _ids(shop, "login_event") == {3}
    assert _ids(shop, "message") == {712, 713, 721}

    invoice = _row(shop, "invoice", 501)
    assert (invoice["customer_id"], invoice["billing_name"]) == (0, "Ann Example")
    assert str(invoice["email"]).startswith("hmac:") and "ann" not in str(invoice["email"])
    assert _ids(shop, "invoice") == {501, 601}  # the 2010 invoice is past its 10 years
    assert by["invoice"]["retained"] == 1 and by["invoice"]["deleted"] == 1
    assert by["invoice"]["until"] == "2034-03-01" and "Tax law" in by["invoice"]["reason"]

    assert _row(shop, "comment", 42)["parent_id"] is None  # Bob's reply survives its deleted parent
    assert _row(shop, "comment", 43)["body"] == "Ask [redacted] about the green tea."
    assert _row(shop, "message", 712)["body"] == "Sure, I will mail [redacted] tonight."
    assert _row(shop, "message", 713)["body"] == "Thanks!"
    conversation = _row(shop, "conversation", 71)
    assert conversation["customer_a_id"] is None and conversation["a_display_name"] is None
    assert conversation["b_display_name"] == "Bob S." and conversation["customer_b_id"] == 2
    assert _row(shop, "mailing_list", 91)["recipients"] == "bob@example.com;dan@example.com"
    referral = str(_row(shop, "event_log", 82)["payload"])
    assert "ann@example.org" not in referral and "dan@example.com" in referral
    assert "ann@example.org" not in str(_row(shop, "customer", 2)["preferences"])
    assert _row(shop, "customer", 2)["default_address_id"] == 21
    assert by["customer_summary"]["note"].startswith("read-only")

    before = shop.snapshot()
    again = execute(
        sessions=store,
        secret=SECRET,
        declaration=shop.declaration,
        connectors=shop.connectors(),
        kind="erase",
        identities=ANN,
    )
    assert shop.snapshot() == before and again.run_id != result.run_id


def test_rectification_updates_every_copy(any_shop: Shop, store: sessionmaker[Session]) -> None:
    execute(
        sessions=store,
        secret=SECRET,
        declaration=any_shop.declaration,
        connectors=any_shop.connectors(),
        kind="rectify",
        identities=ANN,
        changes={"contact.email": "ann@new.example"},
    )
    assert _row(any_shop, "customer", 1)["email"] == "ann@new.example"
    assert _row(any_shop, "orders", 104)["guest_email"] == "ann@new.example"
    assert _row(any_shop, "comment", 41)["author_email"] == "ann@new.example"
    assert _row(any_shop, "invoice", 501)["email"] == "ann@new.example"
    assert _row(any_shop, "customer", 2)["email"] == "bob@example.com"
    # mentions in other people's text and lists now name the new address
    assert _row(any_shop, "message", 712)["body"] == "Sure, I will mail ann@new.example tonight."
    assert (
        _row(any_shop, "mailing_list", 91)["recipients"] == "ann@new.example;bob@example.com;dan@example.com"
    )
    assert "ann@new.example" in str(_row(any_shop, "event_log", 81)["payload"])


def test_restriction_flags_store_and_column_and_lifting_is_recorded(
    any_shop: Shop, store: sessionmaker[Session]
) -> None:
    common = {"sessions": store, "secret": SECRET, "declaration": any_shop.declaration, "identities": ANN}
    execute(connectors=any_shop.connectors(), kind="restrict", reason="accuracy contested", **common)  # type: ignore[arg-type]
    with store() as session:
        assert is_restricted(session, secret=SECRET, kind="email", value="ann@example.org")
        assert is_restricted(session, secret=SECRET, kind="user_id", value=1001)
        assert not is_restricted(session, secret=SECRET, kind="email", value="bob@example.com")
    assert bool(_row(any_shop, "customer", 1)["processing_restricted"]) is True
    execute(connectors=any_shop.connectors(), kind="lift", reason="corrected", **common)  # type: ignore[arg-type]
    with store() as session:
        assert not is_restricted(session, secret=SECRET, kind="email", value="ann@example.org")
    assert bool(_row(any_shop, "customer", 1)["processing_restricted"]) is False
