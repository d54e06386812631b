"""The plugin authors' test kit (**public**): desks for tests, plugin registration, fixture data, and an
in-process harness that syncs a shop against a connector's own fake and sends its outbox.

With pytest, add ``pytest_plugins = ["crossdesk.testing"]`` to your ``conftest.py`` for the fixtures
``crossdesk_desk``, ``crossdesk_seeded``, ``crossdesk_clock`` and ``crossdesk_plugins``. Name the plugin
under test by overriding ``crossdesk_plugins``; it is registered whether or not it is also pip-installed
(an installed copy is not registered twice)::

    import pytest
    import crossdesk_allegro

    pytest_plugins = ["crossdesk.testing"]

    @pytest.fixture
    def crossdesk_plugins():
        return [crossdesk_allegro]

Or register a plugin for one block with :func:`plugin_registered`, and test a connector end to end with
:class:`ConnectorHarness` (docs/plugins.md, "Testing your plugin").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest

from crossdesk.api import Desk
from crossdesk.plugin_manager import PluginManager, plugins_manager, register_checked
from crossdesk.testing.connector import ConnectorHarness
from crossdesk.testing.data import Seeded, seed

__all__ = [
    "FIXED_NOW",
    "ConnectorHarness",
    "FixedClock",
    "Seeded",
    "make_desk",
    "plugin_registered",
    "seed",
]

#: A fixed "now" for reproducible fixture data: Monday 2025-12-15 10:00:00 UTC.
FIXED_NOW = 1765792800


class FixedClock:
    """A clock tests can read and move: ``clock()`` returns ``now``; ``clock.advance(seconds)``."""

    def __init__(self, now: int = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return float(self.now)

    def advance(self, seconds: float) -> None:
        self.now += int(seconds)


# ---- registering the plugin under test ----------------------------------------------------------------


def _twin(pm: PluginManager, plugin: object) -> object | None:
    """An installed plugin (loaded from an entry point) that is another copy of ``plugin``: a module of
    the same name, or an instance of the same class (``entry point = "pkg:plugin"``). Plugins registered
    by the test itself are never taken for copies: two instances of one class may be meant."""
    installed = getattr(pm, "dists", {})
    for name, other in pm.list_name_plugin():
        if other is plugin or name not in installed:
            continue
        if isinstance(plugin, ModuleType):
            if isinstance(other, ModuleType) and other.__name__ == plugin.__name__:
                return other
        elif not isinstance(plugin, type) and type(other) is type(plugin):
            return other
    return None


def _swap_in(pm: PluginManager, plugin: object, name: str | None = None) -> tuple[bool, object | None]:
    """Register ``plugin`` unless it already is (the installed copy is the same module); an installed twin
    steps aside for it. Returns whether ``plugin`` was added, and the twin it replaced."""
    if pm.is_registered(plugin):
        return False, None
    twin = _twin(pm, plugin)
    if twin is not None:
        name = name or pm.get_name(twin)
        pm.unregister(twin)
    try:
        register_checked(pm, plugin, name=name)
    except Exception:
        if twin is not None:
            pm.register(twin, name=name)
        raise
    return True, twin


def make_desk(
    *plugins: object,
    builtins: bool = True,
    only: Iterable[str] | None = None,
    clock: Callable[[], float] | None = None,
    path: str | None = None,
) -> Desk:
    """A desk (in memory unless ``path``) with ``plugins`` registered.

    The installed plugins load too, narrowed by ``only`` (entry-point names; default: all, or
    ``CROSSDESK_LOAD_PLUGINS``), or not at all with ``builtins=False``; the core plugins are always there.
    A plugin in ``plugins`` that is also installed is registered once."""
    pm = plugins_manager(load_entrypoints=builtins, only=only)
    for plugin in plugins:
        _swap_in(pm, plugin)
    pm.check_pending()
    kwargs: dict[str, Any] = {}
    if clock is not None:
        kwargs["clock"] = clock
    return Desk.open(path, pm=pm, **kwargs) if path else Desk.memory(pm=pm, **kwargs)


@contextmanager
def plugin_registered(pm: PluginManager, plugin: object, name: str | None = None) -> Iterator[object]:
    """Register ``plugin`` for the duration of a ``with`` block, then unregister it.

    When the same plugin is already registered (it is pip-installed, so the desk loaded it), nothing is
    registered twice: the block runs with the installed module, or with ``plugin`` in place of an installed
    instance of the same class, which comes back afterwards. A hook that does not exist raises
    :class:`pluggy.PluginValidationError`."""
    added, twin = _swap_in(pm, plugin, name)
    try:
        pm.check_pending()
        yield plugin
    finally:
        if added:
            twin_name = pm.get_name(plugin)
            pm.unregister(plugin)
            if twin is not None:
                pm.register(twin, name=twin_name)


# ---- pytest fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def crossdesk_plugins() -> Sequence[object]:
    """The plugins under test, registered on ``crossdesk_desk``: override it in your ``conftest.py``."""
    return ()


@pytest.fixture
def crossdesk_clock() -> FixedClock:
    """A movable clock fixed at :data:`FIXED_NOW`."""
    return FixedClock()


@pytest.fixture
def crossdesk_desk(crossdesk_clock: FixedClock, crossdesk_plugins: Sequence[object]) -> Iterator[Desk]:
    """An empty in-memory desk with the installed plugins, ``crossdesk_plugins`` and a fixed clock."""
    desk = make_desk(*crossdesk_plugins, clock=crossdesk_clock)
    yield desk
    desk.close()


@pytest.fixture
def crossdesk_seeded(crossdesk_desk: Desk) -> tuple[Desk, Seeded]:
    """The in-memory desk filled by :func:`seed`."""
    return crossdesk_desk, seed(crossdesk_desk)
