"""The command palette provider: the actions of the screen the agent is on, by their current keys.

It reads the live bindings (after the user's remapping) of the focused widget, its ancestors, the screen
and the app, and keeps only the actions the screen allows for the signed-in role, so the palette never
offers what the footer hides.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode


def screen_actions(screen) -> Iterator[tuple[DOMNode, Binding, str]]:
    """(node, binding, key) for each allowed action reachable from ``screen``'s focus, nearest first."""
    focused = screen.focused
    chain = list(focused.ancestors_with_self) if focused is not None else [screen, screen.app]
    if screen not in chain:
        chain += [screen, screen.app]
    seen: set[str] = set()
    for node in chain:
        bindings_map = getattr(node, "_bindings", None)
        if bindings_map is None:
            continue
        for key, bindings in bindings_map.key_to_bindings.items():
            for binding in bindings:
                if not binding.description or binding.system:
                    continue
                ident = binding.id or f"{type(node).__name__}.{binding.action}"
                if ident in seen:
                    continue
                name, params = _parse(binding.action)
                try:
                    allowed = node.check_action(name, params)
                except Exception:  # a screen's check must never break the palette
                    allowed = True
                if not allowed:
                    continue
                seen.add(ident)
                yield node, binding, key


def _parse(action: str) -> tuple[str, tuple]:
    from textual.actions import parse

    _, name, params = parse(action)
    return name, params


class ScreenActions(Provider):
    """Palette entries for the actions of the current screen."""

    def _entries(self) -> list[tuple[str, str, object]]:
        out = []
        for node, binding, key in screen_actions(self.screen):
            label = f"{binding.description}"
            help_text = f"key: {self.app.get_key_display(Binding(key, ''))}"
            if binding.tooltip:
                help_text += f" · {binding.tooltip}"
            if binding.id:
                help_text += f" · id: {binding.id}"
            out.append((label, help_text, partial(node.run_action, binding.action)))
        return out

    async def discover(self) -> Hits:
        for label, help_text, command in self._entries():
            yield DiscoveryHit(label, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, command in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), command, help=help_text)
