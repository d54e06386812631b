"""Run the bench suites and print each kernel's time and its ratios to its baselines (``make bench``).

All timings come from one pytest-benchmark run on the same data; the table uses each bench's minimum
(the least disturbed round). Extra arguments go to pytest, e.g. ``benches/run.py -k score``.
Sizes can be lowered for a quick look with CROSSDESK_BENCH_SCORE_N, CROSSDESK_BENCH_MESSAGES, ...
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent


def _times(report: dict) -> dict[str, dict]:
    return {b["name"]: b for b in report["benchmarks"]}


def _import_verdict(minima: float, paired: list[float] | None) -> str:
    """The import against its baseline, judged by the median of the paired rounds (each import over the
    baseline run just before it, which the machine's drift between rounds does not move); the ratio of the
    fastest rounds is given beside it."""
    if not paired:
        return f"{minima:.1f}x the baseline ({'met' if minima <= 5 else 'MISSED'})"
    median = statistics.median(paired)
    return (
        f"{median:.1f}x the baseline, median of the paired rounds ({'met' if median <= 5 else 'MISSED'}): "
        f"{', '.join(f'{r:.1f}' for r in paired)}; fastest rounds {minima:.1f}x"
    )


def _min(b: dict | None) -> float | None:
    return None if b is None else float(b["stats"]["min"])


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def rows(report: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(work, kernel time, baseline, baseline time, result, target) per line of the table."""
    t = _times(report)
    out = []

    def ratio_row(work, kernel, baseline, label, target_ratio, target_text):
        k, b = _min(t.get(kernel)), _min(t.get(baseline))
        if k is None or b is None:
            return
        ratio = b / k
        met = "met" if ratio >= target_ratio else "MISSED"
        out.append((work, _fmt(k), label, _fmt(b), f"{ratio:.1f}x ({met})", target_text))

    n = (t.get("test_score_native") or {}).get("extra_info", {}).get("n", "?")
    ratio_row(
        f"score {n:,} tickets" if isinstance(n, int) else "score",
        "test_score_native",
        "test_score_reference",
        "numpy reference",
        10,
        ">= 10x",
    )
    k, probe = _min(t.get("test_score_native")), t.get("test_score_bandwidth_probe")
    if k is not None and probe is not None:
        p = _min(probe)
        nbytes = probe["extra_info"]["bytes"]
        share = p / k
        out.append(
            (
                "score: share of bandwidth",
                _fmt(k),
                f"probe reading the same {nbytes / 1e6:,.0f} MB ({nbytes / p / 1e9:.1f} GB/s)",
                _fmt(p),
                f"{share:.0%} ({'met' if share >= 0.5 else 'MISSED'})",
                ">= 50%",
            )
        )
    ratio_row(
        "match", "test_match_native", "test_match_pyahocorasick", "pyahocorasick, same pairs", 1.5, ">= 1.5x"
    )
    ratio_row("match", "test_match_native", "test_match_re", "one re alternation", 20, ">= 20x")
    ratio_row("assign", "test_assign_native", "test_assign_reference", "python reference", 1, "-")
    ratio_row(
        "poll parcels",
        "test_tracking_refresh_batched",
        "test_tracking_refresh_one_by_one",
        "one number a call",
        1,
        "-",
    )
    report_n = (t.get("test_report_rollups") or {}).get("extra_info", {}).get("tickets", "?")
    report = f"report {report_n:,} tickets" if isinstance(report_n, int) else "report"
    ratio_row(
        report, "test_report_rollups", "test_report_row_by_row", "row by row from the facts", 2, ">= 2x"
    )
    # the baseline computes only first-reply medians per platform, the report every metric per platform and agent
    ratio_row(
        report, "test_report_rollups", "test_report_from_messages", "medians from every message", 1, ">= 1x"
    )
    ratio_row(
        "report cohort by SKU",
        "test_by_sku_grouped_at_once",
        "test_by_sku_group_by_group",
        "group by group (before)",
        1.5,
        ">= 1.5x",
    )
    ratio_row(
        "quality window counts",
        "test_quality_counts_sku_days",
        "test_quality_counts_orders",
        "counting orders",
        3,
        ">= 3x",
    )
    for name, work in (("test_mail_parse", "mail parse"), ("test_mail_intake", "mail intake")):
        b = t.get(name)
        if b is not None:  # messages per second; parsing against the stdlib's bare parse of the same bytes
            base = _min(t.get("test_mail_stdlib_parse")) if name == "test_mail_parse" else None
            out.append(
                (
                    f"{work}, {b['extra_info']['messages']} messages",
                    _fmt(_min(b)),
                    "stdlib email parse" if base else "-",
                    _fmt(base),
                    f"{b['extra_info']['per_second']:,} msg/s"
                    + (f", {_min(b) / base:.1f}x stdlib" if base else ""),
                    "-",
                )
            )
    k, b = _min(t.get("test_app_pull_a_tenth_edited")), _min(t.get("test_app_pull_nothing_changed"))
    if k is not None and b is not None:  # the cost of updating changed reviews over comparing them
        out.append(
            (
                "reviews app pull, a tenth edited",
                _fmt(k),
                "nothing changed",
                _fmt(b),
                f"{k / b:.2f}x the baseline ({'met' if k / b <= 2 else 'MISSED'})",
                "<= 2x",
            )
        )
    a = _min(t.get("test_assign_native"))
    if a is not None:
        out.append(("assign: budget", _fmt(a), "", "", "met" if a < 0.05 else "MISSED", "< 50 ms"))
    k, b = _min(t.get("test_import_crossdesk")), _min(t.get("test_import_plain_upserts"))
    if k is not None and b is not None:
        info = t["test_import_crossdesk"].get("extra_info", {})
        out.append(
            (
                f"import {info.get('records', 0):,} records ({info.get('tickets', 0):,} tickets)",
                _fmt(k),
                "plain upserts of the same records",
                _fmt(b),
                _import_verdict(k / b, info.get("paired_ratios")),
                "<= 5x",
            )
        )
    one, two = _min(t.get("test_reprocess_1_worker")), _min(t.get("test_reprocess_2_workers"))
    if one is not None and two is not None:
        info = t["test_reprocess_2_workers"].get("extra_info", {})
        out.append(
            (
                f"reprocess {info.get('messages', 0):,} messages, 2 workers (partition {info.get('partition')})",
                _fmt(two),
                "1 worker",
                _fmt(one),
                f"{one / two:.2f}x speedup",
                "> 1x",
            )
        )
    auto = t.get("test_automate_first_and_second_run")
    if auto is not None:
        info = auto.get("extra_info", {})
        budget = info.get("budget", 0)
        for run in ("first", "second"):
            took = info.get(run + "_wall", info.get(run, 0))  # the run's wall time, its audit row's time
            out.append(
                (
                    f"automate, {run} run, {info.get('tickets', 0):,} tickets",
                    _fmt(took),
                    f"{budget:g} s budget ({info.get(run + '_checked', 0):,} tickets checked)",
                    _fmt(budget),
                    f"{took / budget:.2f} of the budget ({'met' if took <= budget else 'MISSED'})"
                    if budget
                    else "-",
                    "<= 1.00",
                )
            )
        runs = info.get("runs")
        if runs:
            out.append(
                (
                    "automate: runs until the backlog is done",
                    _fmt(info.get("slowest", 0)),
                    f"{runs} run(s), the slowest",
                    "",
                    "met" if info.get("complete") and info.get("slowest", 0) <= budget else "MISSED",
                    "complete, each within budget",
                )
            )
    r = _min(t.get("test_rescore_end_to_end"))
    if r is not None:
        info = t["test_rescore_end_to_end"].get("extra_info", {})
        n = info.get("tickets", 0)
        out.append(
            (f"rescore {n:,} tickets end to end", _fmt(r), "", "", "met" if r < 10 else "MISSED", "< 10 s")
        )
    return out


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "bench.json"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            str(HERE),
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-columns=min,median,max,rounds",
            f"--benchmark-json={report_path}",
            *argv,
        ]
        env = dict(os.environ)
        code = subprocess.call(cmd, env=env)
        if not report_path.exists():
            return code or 1
        report = orjson.loads(report_path.read_bytes())
    machine = report.get("machine_info", {})
    table = Table(
        title=f"crossdesk benches ({machine.get('cpu', {}).get('brand_raw', '?')}, "
        f"{os.cpu_count()} cores, backend {_backend()})"
    )
    for col in ("work", "kernel", "baseline", "baseline time", "ratio / result", "target"):
        table.add_column(col)
    for row in rows(report):
        table.add_row(*row)
    Console(width=160).print(table)
    return code


def _backend() -> str:
    from crossdesk import native

    return native.BACKEND


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
