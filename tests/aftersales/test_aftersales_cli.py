"""The after-sales commands: evaluate a return, list, act on (one or a batch) and report cases."""

from __future__ import annotations

import datetime as dt

import orjson
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor

from .conftest import epoch


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_returns_evaluate_prints_the_verdict_and_its_reasons():
    result = run(
        "returns",
        "evaluate",
        "--country",
        "DE",
        "--delivered",
        "2025-12-12",
        "--requested",
        "2025-12-29",
    )
    assert result.exit_code == 0
    assert result.output.startswith("eligible: returns accepted until 2025-12-29 - EU 2011/83/EU art. 9")
    assert "[de.bgb]" in result.output and "BGB § 193" in result.output


def test_returns_evaluate_json_and_two_parcels_not_informed():
    result = run(
        "returns",
        "evaluate",
        "--country",
        "FR",
        "--delivered",
        "2025-03-03",
        "--delivered",
        "2025-03-10",
        "--not-informed",
        "--json",
    )
    data = orjson.loads(result.output)
    assert data["deadline"] == "2026-03-24" and data["extended"] is True


def test_returns_evaluate_bad_input_is_one_line():
    result = CliRunner().invoke(cli, ["returns", "evaluate", "--country", "DE", "--flag", "bogus"])
    assert result.exit_code == 1 and "unknown flag(s) bogus" in result.output
    assert "Traceback" not in result.output


def _desk_with_cases(path, n=3):
    desk = Desk.open(path)
    admin = Actor.system("admin")
    shop = desk.upsert_shop(
        admin, platform="ebay", external_id="EBAY_DE", name="eBay DE", country="DE", currency="EUR"
    )
    ids = []
    for i in range(n):
        customer = desk.upsert_customer(
            admin, platform="ebay", shop_id=shop, external_id=f"b{i}", country="DE"
        )
        order = desk.upsert_order(
            admin,
            platform="ebay",
            shop_id=shop,
            external_id=f"O{i}",
            customer_id=customer,
            currency="EUR",
            ordered_at=epoch(dt.date(2025, 12, 1)),
            delivered_at=epoch(dt.date(2025, 12, 5)),
            country="DE",
            lines=[{"sku": "SHOE-42", "quantity": 1, "unit_price_minor": 2000}],
        )
        ids.append(desk.cases.open(admin, type="return", order_id=order, items=[{"sku": "SHOE-42"}]))
    desk.close()
    return ids


def test_cases_list_act_batch_and_report(tmp_path):
    path = tmp_path / "desk.db"
    ids = _desk_with_cases(path)
    listed = run("cases", "list", "--db", str(path), "--json")
    assert [c["id"] for c in orjson.loads(listed.output)] == ids

    assert run("cases", "act", "decline", str(ids[0]), "--db", str(path), "--reason", "late").exit_code == 0
    batch = CliRunner().invoke(cli, ["cases", "act", "approve", *map(str, ids), "--db", str(path)])
    assert batch.exit_code == 1  # one case failed: said so, the others are done
    assert f"case {ids[0]}: error: case {ids[0]} is declined" in batch.output
    assert f"case {ids[1]}: ok" in batch.output and f"case {ids[2]}: ok" in batch.output

    shown = run("cases", "show", str(ids[1]), "--db", str(path))
    assert "return approved" in shown.output and "approve: requested -> approved" in shown.output
    assert run("cases", "list", "--db", str(path), "--state", "approved").output.count("approved") == 2
    assert run("cases", "report", "--db", str(path)).output.strip() == "no exceptions"


def test_cases_act_refund_amount_checks_are_one_line(tmp_path):
    path = tmp_path / "desk.db"
    (case,) = _desk_with_cases(path, n=1)
    run("cases", "act", "approve", str(case), "--db", str(path))
    result = CliRunner().invoke(
        cli,
        [
            "cases",
            "act",
            "refund",
            str(case),
            "--db",
            str(path),
            "--amount",
            "100",
            "--currency",
            "USD",
            "--without-return",
        ],
    )
    assert result.exit_code == 1 and "does not match the order's currency EUR" in result.output
    ok = run("cases", "act", "refund", str(case), "--db", str(path), "--amount", "500", "--without-return")
    assert ok.exit_code == 0 and "refund done" in ok.output


def test_cases_stock(tmp_path):
    path = tmp_path / "desk.db"
    _desk_with_cases(path, n=0)
    assert (
        "on hand 4, reserved 0, available 4"
        in run("cases", "stock", "SKU-1", "--db", str(path), "--set", "4").output
    )
