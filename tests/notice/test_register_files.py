"""The registers: RoPA, recipients and cookies as CSV, and the normalised declaration as JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from troth import ConfigurationError
from troth.declaration import Declaration, read
from troth.notice import cookies_csv, policy_json, recipients_csv, render_policy, ropa_csv, write_bundle
from troth.notice._registers import COOKIE_HEADERS, RECIPIENT_HEADERS, ROPA_HEADERS


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_ropa_has_one_row_per_purpose_with_every_art30_column(rich: Declaration) -> None:
    text = ropa_csv(rich)
    assert next(csv.reader(io.StringIO(text))) == list(ROPA_HEADERS)
    table = rows(text)
    assert [r["purpose_id"] for r in table] == [p.id for p in rich.purposes]
    orders = table[0]
    assert orders["controller"] == "Northwind Cycles Ltd (trading as Northwind)"
    assert "privacy@northwind.example" in orders["controller_contact"]
    assert orders["dpo"].startswith("Priya Shah")
    assert orders["representatives"].startswith("EU/EEA (GDPR): EU-Rep Services GmbH")
    assert orders["lawful_basis"] == "Contract (GDPR Art. 6(1)(b))"
    assert orders["data_categories"] == "Name; Email address; Postal address; Payment card details; Orders"
    assert orders["data_subjects"] == "Customers"
    assert orders["recipients"] == "Stripe (processor); Speedy Couriers (processor)"
    assert orders["transfers_and_safeguards"] == (
        "Stripe (United States): EU-US Data Privacy Framework; Speedy Couriers (India): no safeguard stated"
    )
    assert "6 years after our contract with you ends" in orders["retention"]
    # each purpose's retention names its own data only, not every category of the rule
    assert orders["retention"].startswith("Orders: we keep this data for 6 years")
    assert "Invoices" not in orders["retention"] and "Ride logs" not in orders["retention"]
    assert orders["security_measures"].startswith("TLS on every page; encrypted backups")
    security = table[2]
    assert security["legitimate_interest"] == "stopping fraud and attacks on our shop"
    assert security["transfers_and_safeguards"] == "none"
    assert table[5]["special_category_condition"] == "your explicit consent in the app"


def test_recipients_register(rich: Declaration) -> None:
    table = rows(recipients_csv(rich))
    assert list(table[0]) == list(RECIPIENT_HEADERS)
    assert [r["id"] for r in table] == [r.id for r in rich.recipients]
    stripe, google, meta, hmrc, courier = table
    assert stripe["international_transfer"] == "yes" and stripe["transfer_safeguard"] == "dpf"
    assert stripe["dpa_signed"] == "yes" and courier["dpa_signed"] == "no" and meta["dpa_signed"] == ""
    assert hmrc["international_transfer"] == "no" and hmrc["purposes"] == "tax"
    assert google["opt_out_url"] == "https://tools.google.com/dlpage/gaoptout"
    # a recipient that names no purposes serves the ones its categories touch
    assert courier["purposes"] == "orders"


def test_cookies_register(rich: Declaration) -> None:
    table = rows(cookies_csv(rich))
    assert list(table[0]) == list(COOKIE_HEADERS)
    assert [c["name"] for c in table] == [c.name for c in rich.cookies]
    by_name = {c["name"]: c for c in table}
    assert by_name["session_id"]["lifetime"] == "session" and by_name["session_id"]["lifetime_days"] == "0"
    assert by_name["_ga"]["lifetime"] == "13 months" and by_name["_ga"]["lifetime_days"] == "396"
    assert by_name["theme"]["type"] == "local_storage"
    assert by_name["_ga"]["recipient"] == "google" and by_name["_ga"]["party"] == "third"


def test_spreadsheet_formulas_are_defused_but_phone_numbers_are_not(variant: Any) -> None:
    def formula(data: dict[str, Any]) -> None:
        data["purposes"][0]["name"] = '=HYPERLINK("http://evil.example","click")'
        data["cookies"][0]["purpose"] = "@SUM(A1)"

    declaration = variant(formula)
    assert rows(ropa_csv(declaration))[0]["purpose"].startswith("'=HYPERLINK")
    assert rows(cookies_csv(declaration))[0]["purpose"] == "'@SUM(A1)"
    assert "+44 20 7946 0000" in rows(ropa_csv(declaration))[0]["controller_contact"]


def test_policy_json_round_trips_through_the_model(rich_path: Path, rich: Declaration) -> None:
    document = json.loads(policy_json(rich))
    assert Declaration.model_validate(document["declaration"]) == rich
    assert document["version"] == "4.2" and document["effective_date"] == "2025-03-01"
    assert document["digest"] == read(rich_path).digest


def test_policy_json_digest_follows_content(rich: Declaration, variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["cookies"][0]["lifetime"] = "1 day"

    assert json.loads(policy_json(variant(edit)))["digest"] != json.loads(policy_json(rich))["digest"]


@pytest.mark.parametrize(("fmt", "ext"), [("html", "html"), ("md", "md"), ("txt", "txt")])
def test_bundle_writes_the_policy_and_every_register(
    rich: Declaration, tmp_path: Path, fmt: str, ext: str
) -> None:
    out = tmp_path / "nested" / "site"
    written = write_bundle(rich, out, fmt=fmt)
    names = [p.name for p in written]
    assert names == [f"policy.{ext}", "ropa.csv", "recipients.csv", "cookies.csv", "policy.json"]
    assert all(p.parent == out and p.stat().st_size > 0 for p in written)
    assert (out / "ropa.csv").read_bytes().count(b"\r\n") == len(rich.purposes) + 1


def test_bundle_into_a_file_is_a_troth_error(rich: Declaration, tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot write"):
        write_bundle(rich, blocker)


def test_bundle_in_an_unknown_format_is_a_troth_error(rich: Declaration, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown policy format"):
        write_bundle(rich, tmp_path, fmt="pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_transfer_into_an_adequate_country_needs_no_safeguard(variant: Any) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["recipients"][-1]["country"] = "IE"  # the courier, from a UK controller serving the EU

    declaration = variant(edit)
    courier = rows(ropa_csv(declaration))[0]["transfers_and_safeguards"].split("; ")[-1]
    assert courier == "Speedy Couriers (Ireland): adequate protection, no further safeguard needed"
    text = " ".join(render_policy(declaration, fmt="txt").split())
    assert "Speedy Couriers, in Ireland: no further safeguard is needed" in text
