"""The instructions one import executes, counted by valgrind's callgrind (``make instructions``).

``make bench`` times the import against plain upserts, and that ratio is what the import is judged by. But
on a shared machine the same import takes from 5 to 9 s from one run to the next, so a change worth 2% does
not show in wall-clock times. Callgrind counts the instructions the process executes instead: the same code
on the same input counts the same to about 0.1%, whatever else the machine is doing. Run it on two
revisions and compare the counts. Instructions are not seconds (a cache miss costs more than an addition),
so a change that moves memory rather than work still needs ``make bench``. The count is given per thread:
a batch's commit runs behind, on a thread of its own, beside the reading of the next batch
(:mod:`crossdesk.store.behind`), so what the import's wall clock follows most is the importing thread's.

What is counted: one import of the JSON Lines export of a demo desk (``CROSSDESK_INSTR_N`` tickets, 4,000 by
default) into a fresh desk, by a process that has imported it once already (the classifier, the language
models and the modules are loaded, as in the bench's best round). Phone numbers are validated in this
process (no worker process), so the count does not depend on how the two processes raced, and hash
randomisation is off. It takes about a minute: the process runs some 50 times slower under callgrind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
SIZE = int(os.environ.get("CROSSDESK_INSTR_N", 4000))


def count(export: Path, work: Path) -> dict[str, int]:
    """Instructions of the measured import of ``export`` (run under callgrind, in a child process), per
    thread: ``main`` is the importing thread, ``others`` the rest (the batches' commits, run behind)."""
    out = work / "callgrind.out"
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--separate-threads=yes",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(export),
            str(work),
        ],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    totals: dict[int, int] = {}
    for part in work.glob("callgrind.out-*"):  # one file per thread, numbered in order of creation
        for line in part.read_text().splitlines():
            if line.startswith("totals:"):
                totals[int(part.name.rpartition("-")[2])] = int(line.split()[1])
    if 1 not in totals:
        raise RuntimeError("callgrind wrote no totals for the main thread")
    return {"main": totals.pop(1), "others": sum(totals.values())}


def child(export: Path, work: Path) -> None:
    """Under callgrind: import once to warm up, then count a second import into a fresh desk."""
    sys.path.insert(0, str(HERE.parent))
    from benches.test_import import ADMIN
    from crossdesk.api import Desk
    from crossdesk.intake import phones
    from crossdesk.io import import_jsonl

    phones.Ahead.__init__.__defaults__ = (sys.maxsize,)  # no worker process: this one does it all
    for name in ("warm.db", "desk.db"):
        Desk.open(work / name).close()
    warm = Desk.open(work / "warm.db")
    import_jsonl(warm, ADMIN, export)
    warm.close()
    phones.normalise.cache_clear()  # the measured import meets its buyers' numbers for the first time
    desk = Desk.open(work / "desk.db")
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, stdout=subprocess.DEVNULL)
    import_jsonl(desk, ADMIN, export)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, stdout=subprocess.DEVNULL)
    desk.close()


def main() -> int:
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE.parent))
    from benches.test_import import export_of_demo

    with tempfile.TemporaryDirectory(prefix="crossdesk-instr-") as tmp:
        work = Path(tmp)
        export = work / "export.jsonl"
        export.write_bytes(export_of_demo(SIZE))
        records = sum(1 for _ in export.open("rb"))
        counted = count(export, work)
    print(
        f"import of a {SIZE:,}-ticket export ({records:,} records): {counted['main'] + counted['others']:,} "
        f"instructions, {counted['main']:,} of them on the importing thread, {counted['others']:,} on the "
        "others (the commits run behind)"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(main())
