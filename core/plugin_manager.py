"""The plugin manager factory: core plugins, default and third-party plugins, and broken ones.

:func:`plugins_manager` builds a pluggy manager in four steps:

1. add the hookspecs (:mod:`crossdesk.hookspecs`);
2. register the **core plugins** of :data:`CORE_PLUGINS` (the desk's own event log and language
   detection, :mod:`crossdesk.builtins`), imported here by name, so they are always there;
3. load every entry point of the ``crossdesk`` group: the **default plugins** shipped with crossdesk
   (marketplaces, translators, return laws) and **third-party plugins**, alike. ``CROSSDESK_LOAD_PLUGINS``
   narrows them: a comma-separated list of entry-point names to load (``""`` loads none, unset loads all);
4. check that every hook implemented exists.

A plugin that fails to import, raises while its module runs, or implements a hook that does not exist
(``crossdesk_platfroms``) is **broken**: it is left out, and :class:`BrokenPlugin` describes it in one line
that names the entry point, its package and version, and the ``CROSSDESK_LOAD_PLUGINS`` value that switches
it off. By default (``strict=True``) a broken plugin makes the factory raise :class:`PluginError` with
those lines: a desk does not run silently without a return law or a marketplace it was set up with.
``crossdesk plugins`` and ``crossdesk doctor`` build with ``strict=False`` to list everything, the broken
plugins included.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import inspect
import os
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import pluggy

from crossdesk import __version__, hookspecs
from crossdesk.builtins import events, language, notify

GROUP = "crossdesk"
ENV_LOAD = "CROSSDESK_LOAD_PLUGINS"

#: The core plugins, registered by every manager under ``core:<module>``, before any entry point. They are
#: the desk's own behaviour, not integrations (docs/plugins.md, "Core and default plugins").
CORE_PLUGINS: tuple[ModuleType, ...] = (events, language, notify)

_HOOKS = tuple(sorted(name for name in dir(hookspecs) if name.startswith("crossdesk_")))


@dataclass(frozen=True)
class BrokenPlugin:
    """An entry point that could not be registered, and why (one line, no traceback)."""

    name: str  # the entry-point name
    value: str  # what it points at: "module" or "module:object"
    package: str  # the distribution that declares it ("" when unknown)
    version: str
    reason: str
    keep: tuple[str, ...]  # the entry points to name in CROSSDESK_LOAD_PLUGINS to run without it

    def line(self) -> str:
        """``plugin 'x' (module, package pkg 1.0) failed to load: why; switch it off with ...``."""
        where = self.value
        if self.package:
            where += f", package {self.package} {self.version}"
        keep = ",".join(self.keep) if self.keep else '""'
        how = f"{ENV_LOAD}={keep}"
        if self.package and self.package.lower() != "crossdesk":
            how += f", or pip uninstall {self.package}"
        return f"plugin {self.name!r} ({where}) failed to load: {self.reason}; switch it off with {how}"


class PluginError(Exception):
    """A plugin could not be loaded; the message names it, why, and how to switch it off (one line each)."""

    def __init__(self, message: str, broken: Iterable[BrokenPlugin] = ()) -> None:
        super().__init__(message)
        self.broken = tuple(broken)


class PluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers each entry-point plugin's distribution and the broken ones."""

    def __init__(self) -> None:
        super().__init__(GROUP)
        self.dists: dict[str, importlib.metadata.Distribution | None] = {}
        self.core: tuple[str, ...] = ()
        self.broken: list[BrokenPlugin] = []
        #: Names asked for (``CROSSDESK_LOAD_PLUGINS`` or ``only``) that no installed entry point has:
        #: most likely a typo, which would otherwise leave a plugin silently out.
        self.unknown: tuple[str, ...] = ()


def _wanted(env: str | None) -> set[str] | None:
    if env is None:
        return None
    return {name.strip() for name in env.split(",") if name.strip()}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _defects(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """What is wrong with a registered ``plugin``: hooks that do not exist, ``crossdesk_*`` functions that
    were meant as hooks but lack ``@hookimpl`` (pluggy would silently ignore them)."""
    out = []
    for caller in pm.get_hookcallers(plugin) or ():
        if caller.has_spec():
            continue
        impls = [i for i in caller.get_hookimpls() if i.plugin is plugin and not i.optionalhook]
        if impls:
            guess = difflib.get_close_matches(caller.name, _HOOKS, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            out.append(f"{caller.name} is not a crossdesk hook{hint}")
    for attr in dir(plugin):
        if not attr.startswith("crossdesk_"):
            continue
        value = getattr(plugin, attr, None)
        is_function = inspect.isfunction(value) or inspect.ismethod(value)
        if is_function and pm.parse_hookimpl_opts(plugin, attr) is None:
            out.append(f"{attr} lacks @hookimpl (from crossdesk import hookimpl)")
    return out


def register_checked(pm: pluggy.PluginManager, plugin: object, name: str | None = None) -> str:
    """Register ``plugin``, refusing it (unregistered again) when it implements a hook that does not exist.

    Raises :class:`pluggy.PluginValidationError` with a one-line reason; returns the registered name."""
    registered = pm.register(plugin, name=name)
    defects = _defects(pm, plugin)
    if defects:
        pm.unregister(plugin)
        raise pluggy.PluginValidationError(plugin, "; ".join(defects))
    return registered or ""


def _dist_facts(ep: importlib.metadata.EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "", ""
    return str(dist.metadata["Name"] or ""), str(dist.version or "")


def plugins_manager(
    *,
    load_entrypoints: bool = True,
    only: Iterable[str] | None = None,
    extra: Iterable[object] = (),
    strict: bool = True,
) -> PluginManager:
    """Build a plugin manager: hookspecs, core plugins, entry points, then ``extra`` (tests), then check.

    ``only`` overrides ``CROSSDESK_LOAD_PLUGINS``; ``load_entrypoints=False`` loads no entry point (the
    core plugins are registered all the same). A broken entry point raises :class:`PluginError` naming it,
    unless ``strict=False``, which leaves it out and records it in ``pm.broken``. An ``extra`` object that
    implements a hook that does not exist raises :class:`pluggy.PluginValidationError`.
    """
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    core = []
    for module in CORE_PLUGINS:
        core.append(register_checked(pm, module, name="core:" + module.__name__.rpartition(".")[2]))
    pm.core = tuple(core)
    loaded: list[str] = []
    failed: list[tuple[importlib.metadata.EntryPoint, str]] = []
    if load_entrypoints:
        wanted = set(only) if only is not None else _wanted(os.environ.get(ENV_LOAD))
        entry_points = importlib.metadata.entry_points(group=GROUP)
        if wanted is not None:
            pm.unknown = tuple(sorted(wanted - {ep.name for ep in entry_points}))
        for ep in entry_points:
            if wanted is not None and ep.name not in wanted:
                continue
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name) or ep.name in loaded:
                continue
            try:
                plugin = ep.load()
                if not pm.is_registered(plugin):  # two entry points naming one module: register it once
                    register_checked(pm, plugin, name=ep.name)
            except pluggy.PluginValidationError as exc:  # a hook that does not exist, or bad arguments
                failed.append((ep, " ".join(str(exc).split())))
                continue
            except Exception as exc:  # any failure of the plugin's own code: name it, keep the others
                failed.append((ep, _one_line(exc)))
                continue
            loaded.append(ep.name)
            pm.dists[ep.name] = ep.dist
    for ep, reason in failed:
        package, version = _dist_facts(ep)
        keep = tuple(name for name in loaded if name != ep.name)
        pm.broken.append(BrokenPlugin(ep.name, ep.value, package, version, reason, keep))
    for obj in extra:
        if not pm.is_registered(obj):  # an installed plugin passed again (tests) is already in
            register_checked(pm, obj)
    if pm.broken and strict:
        raise PluginError("\n".join(b.line() for b in pm.broken), pm.broken)
    pm.check_pending()
    return pm


@dataclass(frozen=True)
class PluginInfo:
    """One row of ``crossdesk plugins``."""

    name: str
    version: str
    hooks: tuple[str, ...]
    source: str
    #: core | default (shipped with crossdesk) | third-party | registered (an object, no entry point)
    kind: str = "default"
    status: str = "ok"  # ok | broken
    error: str = ""  # the broken plugin's one line


def describe(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """One row of facts per plugin, core plugins first: name, version, hooks, origin, and the broken ones."""
    dists = getattr(pm, "dists", {})
    core = set(getattr(pm, "core", ()))
    out = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: (item[0] not in core, item[0])):
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        dist = dists.get(name)
        if isinstance(plugin, ModuleType):
            source = plugin.__name__
        else:
            source = type(plugin).__module__ + "." + type(plugin).__qualname__
        if name in core:
            kind, version = "core", __version__
        elif dist is None:
            kind, version = "registered", "-"
        else:
            package = str(dist.metadata["Name"])
            kind = "default" if package.lower() == "crossdesk" else "third-party"
            version = dist.version
            source = f"{package}: {source}"
        out.append(PluginInfo(name=name, version=version, hooks=hooks, source=source, kind=kind))
    for broken in getattr(pm, "broken", ()):
        source = f"{broken.package}: {broken.value}" if broken.package else broken.value
        kind = "default" if broken.package.lower() == "crossdesk" else "third-party"
        out.append(
            PluginInfo(
                name=broken.name,
                version=broken.version or "-",
                hooks=(),
                source=source,
                kind=kind,
                status="broken",
                error=broken.line(),
            )
        )
    return out
