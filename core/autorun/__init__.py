"""Automation that fits its slot: ``crossdesk automate`` with a time budget, a lock per desk, the work in
priority order and what did not fit resumed by the next run (see :mod:`crossdesk.autorun.service`)."""

from crossdesk.autorun.lock import Busy, DeskLock, Holder
from crossdesk.autorun.service import (
    DEFAULT_BUDGET,
    ROLLUP_SLICE,
    AutorunService,
    Budget,
    RunReport,
    Sliced,
    TaskReport,
    Waits,
    automate_summary,
)

__all__ = [
    "DEFAULT_BUDGET",
    "ROLLUP_SLICE",
    "AutorunService",
    "Budget",
    "Busy",
    "DeskLock",
    "Holder",
    "RunReport",
    "Sliced",
    "TaskReport",
    "Waits",
    "automate_summary",
]
