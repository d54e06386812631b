"""Select every ticket the inbox filter matches (issue 17), not only the loaded page, with the count said."""

from __future__ import annotations

from typing import Any

#: The most tickets one "select all" takes; beyond it the agent is told to narrow the filter.
MOST = 5_000


def select_matching(screen: Any) -> int:
    """Select what ``screen.filters`` matches (up to :data:`MOST`) in the screen's queue; says how many."""
    from crossdesk.tui.widgets.inbox.queue_view import QueueView

    gw, actor, filters = screen.gw, screen.actor, screen.filters
    total = gw.call(screen.desk.queue.count, actor, **filters)
    rows = gw.call(screen.desk.queue.page, actor, limit=min(total, MOST), **filters).rows
    queue = screen.query_one(QueueView)
    for row in rows:
        queue.selected[row["id"]] = row
    queue.refresh()
    queue.post_message(QueueView.Changed())
    if total > MOST:
        screen.notify(
            f"Selected the first {len(rows):,} of the {total:,} tickets the filter matches; narrow the filter "
            "to act on the rest.",
            severity="warning",
        )
    else:
        screen.notify(f"Selected all {len(rows):,} tickets the filter matches.")
    return len(rows)
