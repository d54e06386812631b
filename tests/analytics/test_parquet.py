"""``crossdesk report --format parquet``: the same rows and figures as the CSV and JSON outputs, typed
columns a BI tool reads; without pyarrow a clear error, and no file written."""

from __future__ import annotations

import csv
import io
import sys
import time

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.cli import cli
from crossdesk.store.session import Store

pq = pytest.importorskip("pyarrow.parquet", reason="`make test` installs the parquet extra")


def test_parquet_holds_the_report_rows(demo_desk, tmp_path, monkeypatch):
    # Three runs compared figure by figure: one "now" for all, or backlog ages drift by a second.
    frozen = int(time.time())
    monkeypatch.setattr(Store, "now", lambda self: frozen)
    runner = CliRunner()
    base = ["report", "--db", str(demo_desk), "--since", "0", "--by", "platform", "--by", "agent"]
    out = tmp_path / "r.parquet"
    result = runner.invoke(cli, [*base, "--format", "parquet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(cli, [*base, "--format", "csv"]).stdout)))
    assert table.num_rows == len(rows) > 5
    assert table.column_names == list(rows[0])
    data = orjson.loads(runner.invoke(cli, [*base, "--format", "json"]).stdout)
    assert table.column("platform").to_pylist()[1:] == [g["key"]["platform"] for g in data["groups"]]
    assert table.column("volume").to_pylist() == [data["total"]["volume"]] + [
        g["volume"] for g in data["groups"]
    ]
    medians = table.column("first_reply.median").to_pylist()
    assert medians[0] == data["total"]["first_reply"]["median"]
    assert str(table.schema.field("volume").type) == "int64"
    assert str(table.schema.field("first_reply.median").type) == "double"
    for row, csv_row in zip(table.to_pylist(), rows, strict=True):
        for name, value in row.items():
            expected = csv_row[name]
            if value is None:
                assert expected == ""
            elif isinstance(value, float):
                assert float(expected) == pytest.approx(value, rel=1e-12)
            else:
                assert str(value) == expected


def test_parquet_without_pyarrow_says_so(demo_desk, tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    out = tmp_path / "r.parquet"
    result = CliRunner().invoke(
        cli, ["report", "--db", str(demo_desk), "--format", "parquet", "--out", str(out)]
    )
    assert result.exit_code != 0 and "needs pyarrow" in result.output
    assert not out.exists()
    result = CliRunner().invoke(cli, ["report", "--db", str(demo_desk), "--format", "parquet"])
    assert result.exit_code != 0 and "--out FILE" in result.output
