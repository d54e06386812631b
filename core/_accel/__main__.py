"""``python -m crossdesk._accel``: exit 1, naming them, if compiled modules are missing or stale."""

from __future__ import annotations

import sys

from crossdesk._accel import stale

if __name__ == "__main__":
    names = stale()
    if names:
        print("not compiled from their sources as they are:", ", ".join(names), file=sys.stderr)
    sys.exit(1 if names else 0)
