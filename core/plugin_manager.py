"""The plugin manager factory.

Built-in plugins are registered through the ``crossdesk`` entry-point group, the same path a third-party
package takes. ``CROSSDESK_LOAD_PLUGINS`` narrows which entry points load: a comma-separated list of
entry-point names (``""`` loads none, unset loads all). Useful in tests, and to switch off a broken plugin.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import pluggy

from crossdesk import hookspecs

GROUP = "crossdesk"
ENV_LOAD = "CROSSDESK_LOAD_PLUGINS"


class PluginError(Exception):
    """A plugin could not be loaded; the message names it and says why."""


def _wanted(env: str | None) -> set[str] | None:
    if env is None:
        return None
    return {name.strip() for name in env.split(",") if name.strip()}


class PluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers which distribution each entry-point plugin came from."""

    def __init__(self) -> None:
        super().__init__(GROUP)
        self.dists: dict[str, importlib.metadata.Distribution | None] = {}


def plugins_manager(
    *, load_entrypoints: bool = True, only: Iterable[str] | None = None, extra: Iterable[object] = ()
) -> PluginManager:
    """Build a plugin manager: add the hookspecs, load the entry points, register ``extra``, check.

    ``only`` overrides ``CROSSDESK_LOAD_PLUGINS``. A plugin that fails to import raises :class:`PluginError`
    naming it, and an implementation of a hook that does not exist fails :meth:`check_pending`.
    """
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    if load_entrypoints:
        wanted = set(only) if only is not None else _wanted(os.environ.get(ENV_LOAD))
        for ep in importlib.metadata.entry_points(group=GROUP):
            if wanted is not None and ep.name not in wanted:
                continue
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken third-party plugin must say who it is
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
            pm.register(plugin, name=ep.name)
            pm.dists[ep.name] = ep.dist
    for obj in extra:
        if not pm.is_registered(obj):  # an installed plugin passed again (tests) is already in
            pm.register(obj)
    pm.check_pending()
    return pm


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    source: str


def describe(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """One line of facts per loaded plugin: name, version, hooks it implements, where it comes from."""
    dists = getattr(pm, "dists", {})
    out = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        dist = dists.get(name)
        version = dist.version if dist is not None else "-"
        if isinstance(plugin, ModuleType):
            source = plugin.__name__
        else:
            source = type(plugin).__module__ + "." + type(plugin).__qualname__
        if dist is not None:
            source = f"{dist.metadata['Name']}: {source}"
        out.append(PluginInfo(name=name, version=version, hooks=hooks, source=source))
    return out
