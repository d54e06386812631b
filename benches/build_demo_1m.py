"""Build a 1,000,000-ticket demo desk into a temporary file and print time, peak memory and file size.

    .venv/bin/python benches/build_demo_1m.py [--size N] [--seed S] [--workers W] [--keep PATH]

Peak memory is the largest resident set of this process and, separately, of the largest worker process
(``resource.getrusage``); the demo generates chunks in worker processes and writes them here.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers", type=int, default=None, help="generator processes (default: CPUs, at most 4)"
    )
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep the desk")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.workers:
        os.environ["CROSSDESK_DEMO_WORKERS"] = str(args.workers)

    from crossdesk.demo import build_demo

    with tempfile.TemporaryDirectory(prefix="crossdesk-bench-") as tmp:
        path = args.keep or Path(tmp) / "demo.db"
        started = time.perf_counter()
        phases: dict[str, float] = {}

        def note_phase(phase: str, done: int, total: int) -> None:
            phases.setdefault(phase, time.perf_counter() - started)

        summary = build_demo(
            path, size=args.size, seed=args.seed, progress=note_phase if args.quiet else True
        )
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    main_rss, child_rss = me.ru_maxrss, children.ru_maxrss  # KiB on Linux
    main_cpu, child_cpu = me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime
    print(
        f"demo desk: {summary.tickets:,} tickets, {summary.messages:,} messages, {summary.orders:,} orders, "
        f"{summary.customers:,} buyers"
    )
    print(f"time:        {seconds:.1f} s  ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    # CPU seconds do not depend on what else the machine runs: on an idle machine the build takes about
    # max(writer, (writer + generators) / CPUs).
    print(f"cpu:         {main_cpu:.1f} s writer, {child_cpu:.1f} s generators")
    if phases:
        marks = ", ".join(f"{name} from {at:.1f} s" for name, at in phases.items())
        print(f"phases:      {marks}")
    print(f"peak memory: {main_rss / 1024:.0f} MiB (writer), {child_rss / 1024:.0f} MiB (largest generator)")
    print(f"file size:   {size / (1 << 20):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
