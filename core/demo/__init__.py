"""The demo desk: a seeded, realistic desk of any size from a few tickets to a million.

    from crossdesk.demo import build_demo
    summary = build_demo("demo.db", size=5_000, seed=7, progress=True)

See :func:`build_demo` and :func:`enrich`; the buyer phrase banks in ``banks/`` double as a labelled
multilingual corpus (:func:`crossdesk.demo.phrases.corpus`).
"""

from __future__ import annotations

from crossdesk.demo.build import DEFAULT_SIZE, MAX_SIZE, DemoSummary, build_demo, summarize
from crossdesk.demo.enrichment import enrich

__all__ = ["DEFAULT_SIZE", "MAX_SIZE", "DemoSummary", "build_demo", "enrich", "summarize"]
