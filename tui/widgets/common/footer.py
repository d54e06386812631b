"""The footer of every screen: the keys on as many lines as they need instead of one line cut at the edge.

Textual's :class:`~textual.widgets.Footer` lays its keys on one line and hides what does not fit (at 100
columns the inbox lost half its keys, at 160 the conversation a third). :class:`WrapFooter` builds the
same keys (Textual's :class:`~textual.widgets._footer.FooterKey`, clickable, greyed when disabled) and
packs them into rows of the screen's width, again on every resize; past :data:`MAX_ROWS` rows the rest is
in `?` and the palette, which list every key of the screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Footer rows at most; the help (`?`) and the palette list every key.
MAX_ROWS = 3


def pack(widths: list[int], width: int) -> list[list[int]]:
    """Indexes of items of ``widths`` in rows no wider than ``width`` (an item wider alone gets a row)."""
    rows: list[list[int]] = []
    used = width + 1
    for index, w in enumerate(widths):
        if used + w > width:
            rows.append([])
            used = 0
        rows[-1].append(index)
        used += w
    return rows


class WrapFooter(Footer):
    """Textual's footer on as many rows as the keys need (up to :data:`MAX_ROWS`)."""

    DEFAULT_CSS: ClassVar[str] = """
    WrapFooter {
        layout: vertical;
        height: auto;
        max-height: 3;
    }
    WrapFooter > HorizontalGroup.footer-row {
        height: 1;
        width: 100%;
    }
    """

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._laid_out_for = 0

    def keys(self) -> list[FooterKey]:
        """The footer's keys, in order, as built now (one per action)."""
        if not self._bindings_ready:
            return []
        out: dict[str, FooterKey] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in out:
                continue
            out[binding.action] = FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            )
        keys = list(out.values())
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            _node, binding, enabled, tooltip = palette
            keys.append(
                FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )
            )
        return keys

    def compose(self) -> ComposeResult:
        keys = self.keys()
        for key in keys:  # " key " then "description ": Textual's roomy footer look
            key.set_reactive(FooterKey.compact, False)
            key.set_class(False, "-compact")
        width = self.app.size.width
        self._laid_out_for = width
        widths = [cell_len(k.key_display) + cell_len(k.description) + 3 for k in keys]
        for row in pack(widths, width)[:MAX_ROWS]:
            yield HorizontalGroup(*(keys[i] for i in row), classes="footer-row")

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.app.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
