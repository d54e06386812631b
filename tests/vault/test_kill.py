"""A process killed (SIGKILL) while it rewrites the vault leaves a vault that opens and holds the last
value written, or the one before: never a torn file, never nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crossdesk.vault import FileVault

KEY = "correct horse battery staple"

WRITER = """
import sys
from crossdesk.vault import FileVault
vault = FileVault(sys.argv[1], sys.argv[2])
for i in range(100000):
    vault.put("shopee/220011", {"refresh_token": f"rt-{i}", "access_token": "at-" + "x" * 2000})
    print(i, flush=True)
"""


def test_sigkill_during_rewrites_leaves_a_whole_vault(tmp_path: Path) -> None:
    path = tmp_path / "vault.bin"
    for delay in (0.05, 0.2, 0.4):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), KEY], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        last = -1
        deadline = time.monotonic() + 30
        while last < 3 and time.monotonic() < deadline:
            last = int(proc.stdout.readline())
        time.sleep(delay)  # mid-stream: somewhere inside a write, most likely
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for line in proc.stdout:
            if line.strip():
                last = int(line)
        stored = FileVault(path, KEY).get("shopee/220011")
        assert stored is not None
        assert int(stored["refresh_token"].removeprefix("rt-")) >= last  # nothing written was lost
        assert stored["access_token"] == "at-" + "x" * 2000
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        for name in leftovers:  # a killed writer may leave its temporary file; the next write ignores it
            (tmp_path / name).unlink()
