"""The ranked queue as a virtual list: a million rows, only the visible ones rendered, pages fetched on
demand in worker threads.

The widget knows a row count and a page fetcher (``desk.queue.page`` behind the screen's gateway); it
renders line by line (Textual's line API), shows a placeholder for a row whose page is still loading, and
keeps a small cache of pages around the cursor. A key press therefore touches only the lines on screen,
whatever the size of the desk. Its workers report back with typed messages (:class:`QueueView.PageLoaded`,
:class:`QueueView.Counted`, :class:`QueueView.LoadFailed`), each tagged with the generation it was asked
for, so a page that arrives after the filters changed is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crossdesk.models import TicketStatus, Tier
from crossdesk.queue import QueuePage
from crossdesk.tui.format import URGENCY_STYLE, countdown, duration, fit

PAGE = 100
#: Pages kept in memory; older ones are dropped (a page is ~100 small dicts).
MAX_PAGES = 40


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = False
    #: When the terminal is narrow, columns go in this order (1 first); 0: never dropped.
    drop: int = 0


COLUMNS = (
    Column("sel", "", 2),
    Column("score", "score", 6, True),
    Column("sla", "SLA", 7, True),
    Column("platform", "platform", 8, drop=4),
    Column("shop", "shop", 14, drop=1),
    Column("buyer", "buyer", 14, drop=6),
    Column("lang", "lang", 4, drop=3),
    Column("intent", "intent", 11, drop=7),
    Column("value", "value $", 8, True, drop=5),
    Column("age", "age", 5, True, drop=2),
    Column("assignee", "assignee", 9, drop=8),
    Column("subject", "subject", 0),  # takes what is left
)
#: The subject keeps at least this many cells: columns are dropped by priority until it has them.
SUBJECT_MIN = 32
#: Columns whose text is cut at a word boundary with an ellipsis rather than at the cell edge.
WORDY = frozenset({"shop", "buyer", "intent", "assignee", "subject"})


@lru_cache(maxsize=32)
def layout(width: int) -> tuple[tuple[Column, int], ...]:
    """The columns shown at ``width`` cells, each with its width: the subject takes what is left, and
    columns are dropped by their ``drop`` order while it would have fewer than :data:`SUBJECT_MIN`."""
    shown = list(COLUMNS)
    for victim in sorted((c for c in COLUMNS if c.drop), key=lambda c: c.drop):
        fixed = sum(c.width + 1 for c in shown if c.width)
        if width - fixed >= SUBJECT_MIN:
            break
        shown.remove(victim)
    out, used = [], 0
    for col in shown:
        w = col.width or max(0, width - used)
        out.append((col, w))
        used += w + 1
    return tuple(out)


def header_text(width: int) -> str:
    parts = []
    for col, w in layout(width):
        cell = col.title.rjust(w) if col.right else col.title.ljust(w)
        parts.append(set_cell_size(cell, w))
    return " ".join(parts)


class QueueView(ScrollView, can_focus=True):
    """Ranked tickets, one per line, loaded lazily."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="queue.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="queue.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="queue.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="queue.page_down"),
        Binding("home,g", "first", "First", show=False, id="queue.first"),
        Binding("end,G", "last", "Last", show=False, id="queue.last"),
        Binding("space", "toggle_select", "Select", id="queue.select", tooltip="Mark for a bulk action"),
        Binding("enter", "open", "Open", id="queue.open", tooltip="Open the conversation"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"queue--cursor", "queue--selected", "queue--placeholder"}

    DEFAULT_CSS = """
    QueueView { height: 1fr; }
    QueueView > .queue--cursor { background: $accent 40%; text-style: bold; }
    QueueView:focus > .queue--cursor { background: $accent; }
    QueueView > .queue--selected { background: $secondary 30%; }
    QueueView > .queue--placeholder { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)
    #: Whether marking rows is offered: the screen turns it off for a role without bulk actions, since a
    #: mark serves nothing else (hidden from the footer, the help and the palette).
    can_select: bool = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_select or action != "toggle_select"

    class Opened(Message):
        """The agent opened a ticket (Enter)."""

        def __init__(self, ticket_id: int) -> None:
            self.ticket_id = ticket_id
            super().__init__()

    class Changed(Message):
        """Cursor, selection, total or loaded rows changed: the status line redraws."""

    class PageLoaded(Message, bubble=False):
        """A worker fetched page ``page`` for ``generation``."""

        def __init__(self, generation: int, page: int, result: QueuePage) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.result = result

    class Counted(Message, bubble=False):
        """A worker counted the rows for ``generation``."""

        def __init__(self, generation: int, total: int) -> None:
            super().__init__()
            self.generation = generation
            self.total = total

    class LoadFailed(Message, bubble=False):
        """A worker's fetch (``page``) or count (``page`` None) failed for ``generation``."""

        def __init__(self, generation: int, error: Exception, page: int | None = None) -> None:
            super().__init__()
            self.generation = generation
            self.error = error
            self.page = page

    def __init__(
        self,
        fetch: Callable[[int, int], QueuePage],
        count: Callable[[], int],
        now: Callable[[], int],
        *,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self._fetch = fetch
        self._count = count
        self._now = now
        self._pages: OrderedDict[int, list[dict]] = OrderedDict()
        self._loading: set[int] = set()
        self._generation = 0
        self.total: int | None = None
        self.selected: dict[int, dict] = {}  # ticket id -> row, kept across pages and reloads
        self.error: str | None = None
        self.live = False  # whether the newest page came from the live ranking
        self._counting = False
        # Rendered lines by (row id, cursor?, selected?, width, now, version): a key press redraws two lines.
        self._strips: OrderedDict[tuple, Strip] = OrderedDict()
        self._version = 0

    # ---- data -------------------------------------------------------------------------------------

    def reload(
        self, fetch: Callable[[int, int], QueuePage] | None = None, count: Callable[[], int] | None = None
    ) -> None:
        """Drop cached pages and start again (new filters, or the data changed)."""
        if fetch is not None:
            self._fetch = fetch
        if count is not None:
            self._count = count
        self._generation += 1
        self._pages.clear()
        self._loading.clear()
        self._counting = False
        self.total = None
        self.error = None
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._update_size()
        # The page under the cursor first: counting the queue and prefetching neighbours wait for it, so
        # they never hold the desk lock while the first rows are on their way.
        self._ensure_pages(only_cursor=True)
        self.refresh()
        self.post_message(self.Changed())

    def refresh_rows(self) -> None:
        """Reload the pages in view, keeping cursor and scroll (after a change to some tickets)."""
        self._generation += 1
        self._pages.clear()
        self._loading.clear()
        self._counting = False
        self._ensure_pages(only_cursor=True)

    def row(self, index: int) -> dict | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> dict | None:
        return self.row(self.cursor)

    @property
    def known_rows(self) -> int:
        """Rows the view can show: the total once counted, else what the loaded pages prove exists."""
        if self.total is not None:
            return self.total
        if not self._pages:
            return 0
        last = max(self._pages)
        return last * PAGE + len(self._pages[last]) + (PAGE if len(self._pages[last]) == PAGE else 0)

    def _count_worker(self, gen: int) -> None:
        try:
            total = self._count()
        except Exception as exc:  # shown in the status line; the rows still work
            self.post_message(self.LoadFailed(gen, exc))
            return
        self.post_message(self.Counted(gen, total))

    def on_queue_view_counted(self, message: QueueView.Counted) -> None:
        if message.generation != self._generation:
            return
        self.total = message.total
        self.cursor = min(self.cursor, max(0, message.total - 1))
        self._update_size()
        self.refresh()
        self.post_message(self.Changed())

    def _page_worker(self, gen: int, page: int) -> None:
        try:
            result = self._fetch(page * PAGE, PAGE)
        except Exception as exc:
            self.post_message(self.LoadFailed(gen, exc, page))
            return
        self.post_message(self.PageLoaded(gen, page, result))

    def on_queue_view_page_loaded(self, message: QueueView.PageLoaded) -> None:
        gen, page = message.generation, message.page
        if gen != self._generation:
            return
        self._loading.discard(page)
        self._pages[page] = message.result.rows
        self.live = message.result.live
        self._version += 1
        if not self._counting:
            self._counting = True
            self.run_worker(lambda: self._count_worker(gen), thread=True, group="queue-count", exclusive=True)
        self._ensure_pages()
        while len(self._pages) > MAX_PAGES:
            # drop the page farthest from the cursor
            here = self.cursor // PAGE
            far = max(self._pages, key=lambda p: abs(p - here))
            del self._pages[far]
        self._update_size()
        self.refresh()
        self.post_message(self.Changed())

    def on_queue_view_load_failed(self, message: QueueView.LoadFailed) -> None:
        if message.generation != self._generation:
            return
        if message.page is not None:
            self._loading.discard(message.page)
        self.error = str(message.error)
        self.post_message(self.Changed())

    def _ensure_pages(self, only_cursor: bool = False) -> None:
        """Fetch the pages under the viewport and one either side of the cursor."""
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        wanted = {self.cursor // PAGE}
        if not only_cursor:
            wanted |= {top // PAGE, (top + height) // PAGE}
            wanted |= {self.cursor // PAGE + 1, max(0, self.cursor // PAGE - 1)}
        limit = self.known_rows if self.total is not None else None
        gen = self._generation
        for page in sorted(wanted, key=lambda p: abs(p - self.cursor // PAGE)):
            if page in self._pages or page in self._loading:
                continue
            if limit is not None and page * PAGE >= max(limit, 1):
                continue
            if self.total is None and self._pages and page > max(self._pages) + 1:
                continue
            self._loading.add(page)
            self.run_worker(lambda p=page: self._page_worker(gen, p), thread=True, group="queue-pages")

    def _update_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.known_rows)

    # ---- rendering ----------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._update_size()
        self._ensure_pages()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._ensure_pages()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if index >= self.known_rows:
            return Strip.blank(width, self.rich_style)
        row = self.row(index)
        base = self.rich_style
        if row is None:
            style = base + self.get_component_rich_style("queue--placeholder")
            return Strip([Segment(set_cell_size("  …", width), style)], width)
        is_cursor = index == self.cursor
        is_selected = row["id"] in self.selected
        key = (row["id"], is_cursor, is_selected, width, self._now(), self._version, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            if is_cursor:
                base = base + self.get_component_rich_style("queue--cursor")
            elif is_selected:
                base = base + self.get_component_rich_style("queue--selected")
            strip = Strip(self._segments(row, width, base), width)
            self._strips[key] = strip
            if len(self._strips) > 2000:
                self._strips.popitem(last=False)
        return strip

    def _segments(self, row: dict, width: int, base: Style) -> list[Segment]:
        now = self._now()
        sla_text, urgency = countdown(row.get("sla_due"), now)
        values = {
            "sel": "●" if row["id"] in self.selected else " ",
            "score": f"{row.get('priority', 0):.1f}",
            "sla": sla_text,
            "platform": row.get("platform", ""),
            "shop": row.get("shop_name", ""),
            "buyer": row.get("buyer", ""),
            "lang": row.get("language", ""),
            "intent": row.get("intent", ""),
            "value": f"{row.get('order_value_usd') or 0:,.0f}",
            "age": duration(now - row["created_at"]),
            "assignee": row.get("assignee", "") or "—",
            "subject": _subject(row),
        }
        # Columns in the row's style are joined into one segment; only the SLA cell has its own colour.
        # Few segments per line keep the per-line cost of the compositor down on every key press.
        segments: list[Segment] = []
        plain: list[str] = []
        used = 0
        for col, w in layout(width):
            text = str(values[col.key])
            if col.key in WORDY:
                text = fit(text, w)
            cell = set_cell_size(text.rjust(w) if col.right else text, w)
            if col.key == "sla":
                segments.append(Segment("".join(plain), base))
                segments.append(Segment(cell, base + Style.parse(URGENCY_STYLE[urgency])))
                plain = []
            else:
                plain.append(cell)
            used += w + 1
            if used < width:
                plain.append(" ")
        segments.append(Segment("".join(plain), base))
        return segments

    # ---- keys ---------------------------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        rows = self.known_rows
        if rows == 0:
            return
        old = self.cursor
        self.cursor = max(0, min(index, rows - 1))
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
            self.refresh()
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
            self.refresh()
        else:
            # Only the line the cursor left and the line it reached change.
            self.refresh_line(old)  # virtual line numbers: the view subtracts its scroll offset
            self.refresh_line(self.cursor)
        self._ensure_pages()
        self.post_message(self.Changed())

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self.known_rows - 1)

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None:
            return
        if row["id"] in self.selected:
            del self.selected[row["id"]]
        else:
            self.selected[row["id"]] = row
        self._move_to(self.cursor + 1)

    def select_loaded(self) -> None:
        """Mark every row on the loaded pages in view (a page at most, so bulk actions stay deliberate)."""
        page = self._pages.get(self.cursor // PAGE, [])
        for row in page:
            self.selected[row["id"]] = row
        self.refresh()
        self.post_message(self.Changed())

    def clear_selection(self) -> None:
        self.selected.clear()
        self.refresh()
        self.post_message(self.Changed())

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row["id"]))
        elif self.known_rows == 0:
            self.notify("No ticket to open: nothing matches the filter (Esc clears it).", severity="warning")

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if index < self.known_rows:
            if event.chain >= 2 and index == self.cursor:
                self.action_open()
            else:
                self._move_to(index)


def _subject(row: dict) -> str:
    status = row.get("status")
    prefix = ""
    if status is not None and status != TicketStatus.NEW:
        prefix = f"[{TicketStatus(status).label}] "
    tier = row.get("tier")
    if tier == Tier.HIGH_VALUE:
        prefix = "★ " + prefix
    return prefix + " ".join(str(row.get("subject", "")).split())
