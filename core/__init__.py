"""crossdesk: one ranked queue for every marketplace, shop and language a cross-border seller sells in."""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

#: Marker for plugin implementations: ``from crossdesk import hookimpl``.
hookimpl = pluggy.HookimplMarker("crossdesk")

__all__ = ["__version__", "hookimpl", "plugins_manager"]


def plugins_manager(*args, **kwargs):
    """Return a new plugin manager with the hookspecs, the built-in plugins and installed plugins."""
    from crossdesk.plugin_manager import plugins_manager as factory

    return factory(*args, **kwargs)
