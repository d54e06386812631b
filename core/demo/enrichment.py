"""After a demo build: let the desk's own engines fill what they own.

The demo writes what a marketplace would send (buyers, orders, messages, the buyer's language) and what
agents did (replies, statuses). Intents, sentiment, threat flags, SLA deadlines and queue priorities are
the outputs of classification, the SLA clocks and the queue; the demo never makes them up. :func:`enrich`
runs those engines over the whole desk when they are installed, and skips the ones that are not.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from typing import Any

from crossdesk.models import Actor

#: (step, module that must be importable, how to find the desk-wide entry point). Each finder gets the
#: desk and the imported module and returns a callable or None. Order is the data flow of DESIGN.md:
#: classification, then SLA clocks, then the queue score (which reads both).
_STEPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("classify", "crossdesk.classify", ("classify_desk", "reclassify", "classify_all")),
    ("sla", "crossdesk.sla", ("desk.sla.recompute_all",)),
    ("queue", "crossdesk.queue", ("rescore", "desk.queue.rescore", "desk.queue.rescore_all")),
)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _entry(desk: Any, module: Any, names: tuple[str, ...]) -> Callable | None:
    for name in names:
        if name.startswith("desk."):
            target: Any = desk
            for part in name.split(".")[1:]:
                try:
                    target = getattr(target, part)
                except (AttributeError, ImportError):
                    target = None
                    break
        else:
            target = getattr(module, name, None)
        if callable(target):
            return target
    return None


def _call(fn: Callable, desk: Any, actor: Actor, progress: Any) -> Any:
    """Pass what the entry point asks for: the desk (unless it is a bound service method), the actor,
    and the progress callback when it takes one."""
    params = inspect.signature(fn).parameters
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for p in positional:
        if p.name == "desk":
            args.append(desk)
        elif p.name == "actor":
            args.append(actor)
        elif p.default is p.empty:
            raise TypeError(f"{fn.__qualname__} needs {p.name!r}, which enrich() cannot supply")
    if "progress" in params and progress is not None:
        kwargs["progress"] = progress
    return fn(*args, **kwargs)


def enrich(desk: Any, progress: Callable[[str, int, int], None] | None = None) -> dict[str, str]:
    """Run classification, SLA clocks and the queue score over the whole desk, each when installed.

    Returns what happened per step: ``"done"`` (with the entry point's result when it returns one),
    ``"skipped: ..."`` when the module or its desk-wide entry point is missing. ``progress`` is passed
    to entry points that accept one, as ``progress(phase, done, total)``.
    """
    actor = Actor.system("demo")
    report: dict[str, str] = {}
    for step, module_name, names in _STEPS:
        if not _installed(module_name):
            report[step] = f"skipped: {module_name} is not installed"
            continue
        module = importlib.import_module(module_name)
        fn = _entry(desk, module, names)
        if fn is None:
            report[step] = f"skipped: {module_name} has no desk-wide entry point ({', '.join(names)})"
            continue
        result = _call(fn, desk, actor, progress)
        report[step] = "done" if result is None else f"done ({result})"
    return report
