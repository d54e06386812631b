"""Bulk intake: many records at once, set-based, with the same outcome as the one-record service calls.

``desk.intake`` is the one path import (``crossdesk.io``) and marketplace sync take when records come by
the thousand: identities are matched with one indexed lookup per shop and batch, rows are written with
``executemany``, language detection and classification run over the whole batch (lingua's parallel
detection, one pass of the native matcher), SLA clocks once per touched ticket, and rules per event as
before. See docs/scale.md.
"""

import crossdesk._accel  # noqa: F401  (before the modules below: their compiled twins, when built)
from crossdesk.intake.service import IntakeService, RowError

__all__ = ["IntakeService", "RowError"]
