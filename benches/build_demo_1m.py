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
        summary = build_demo(path, size=args.size, seed=args.seed, progress=not args.quiet)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"demo desk: {summary.tickets:,} tickets, {summary.messages:,} messages, {summary.orders:,} orders, "
        f"{summary.customers:,} buyers"
    )
    print(f"time:        {seconds:.1f} s  ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    print(f"peak memory: {main_rss / 1024:.0f} MiB (writer), {child_rss / 1024:.0f} MiB (largest generator)")
    print(f"file size:   {size / (1 << 20):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
