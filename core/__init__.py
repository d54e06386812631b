"""crossdesk: one ranked queue for every marketplace, shop and language a cross-border seller sells in.

**Public**: ``hookimpl`` (the marker of plugin hook implementations) and ``__version__``. The modules
plugins may import are listed in docs/internals.md ("Public modules").
"""

from __future__ import annotations

import pluggy

# The package root imports nothing of crossdesk: every module (plugins too) imports ``hookimpl`` from
# here, so anything imported here would sit under every layer (docs/architecture.md).

__version__ = "0.1.0"

#: Marker for plugin implementations: ``from crossdesk import hookimpl``.
hookimpl = pluggy.HookimplMarker("crossdesk")

__all__ = ["__version__", "hookimpl"]
