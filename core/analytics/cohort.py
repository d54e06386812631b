"""The metrics of a cohort of tickets (docs/analytics.md, "Metrics"), written once for the row-by-row
report and the one from the day rollups: what each ticket counts towards the rates and SLA figures
(:func:`cohort_tallies`), and a group's figures from those counts and its per-ticket times
(:func:`cohort_summary`). The rollups' path sums the tallies of every group at once (``np.bincount``);
the row-by-row one sums each group's; both give the same integers, and the same statistics of the same
values in the same order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from crossdesk.analytics import dimensions as dims

SLA_TARGETS = ("first_reply", "next_reply", "resolution")


def cohort_tallies(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per ticket of a cohort, what its rates and SLA figures count (0/1 or a count; NaN counts 0): a
    group's figure is the sum of each over its tickets."""
    solved = c["solved"] > 0
    reopened = c["reopened"] > 0
    return {
        "solved": solved,
        "reopened": reopened,
        "ever_solved": solved | reopened,
        "fcr": c["fcr"] > 0,
        **{name: c[name] for name in ("f_due", "f_met", "n_due", "n_met", "r_due", "r_met")},
    }


#: The per-ticket values each time metric summarises (count, median, p90, mean).
TIME_VALUES = {"first_reply": "fr", "first_reply_business": "bh", "auto_reply": "ar", "resolution": "res"}


def cohort_summary(
    volume: int, sums: Mapping[str, int], c: Mapping[str, np.ndarray], metrics: Sequence[str], extra: dict
) -> dict[str, Any]:
    """The metrics of a group from its ticket count, the sums of its tallies (``cohort_tallies``) and its
    per-ticket values (``TIME_VALUES``, and ``id`` for the extra metrics)."""
    out: dict[str, Any] = {}
    for m in metrics:
        if m == "volume":
            out[m] = volume
        elif m in TIME_VALUES:
            out[m] = dims.stats(c[TIME_VALUES[m]])
        elif m == "reopen_rate":
            ever, n = sums["ever_solved"], sums["reopened"]
            out[m] = {"count": n, "of": ever, "rate": dims.ratio(n, ever)}
        elif m == "fcr":
            n, s = sums["fcr"], sums["solved"]
            out[m] = {"count": n, "of": s, "rate": dims.ratio(n, s)}
        elif m == "sla":
            out[m] = _sla(sums)
        elif m in extra:
            values = extra[m]
            out[m] = dims.stats(np.array([values.get(int(i), np.nan) for i in c["id"]], dtype=np.float64))
    return out


def _sla(sums: Mapping[str, int]) -> dict[str, Any]:
    """Targets met over targets that came due, per target; breached = came due and not met."""
    pairs = (
        (sums["f_due"], sums["f_met"]),
        (sums["n_due"], sums["n_met"]),
        (sums["r_due"], sums["r_met"]),
    )
    return {
        name: {"due": due, "met": ok, "breached": due - ok, "rate": dims.ratio(ok, due)}
        for name, (due, ok) in zip(SLA_TARGETS, pairs, strict=True)
    }
