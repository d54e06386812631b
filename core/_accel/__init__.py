"""Compiled twins of the bulk-intake modules, used only while they match their source.

An import spends most of its time in the Python of ``crossdesk.io`` and ``crossdesk.intake``: a few
dozen dict and tuple operations per record, spread over every stage. The build compiles these modules
as they are with Cython (setup.py, ``ACCELERATED``), which takes the interpreter's dispatch off them:
about 7% fewer instructions for an import (``make instructions``). Nothing else changes: the same source,
the same names, classes and functions that behave as Python's (monkeypatching included).

The compiled modules live here, apart from their sources, with the SHA-256 of the source each was built
from (``manifest.json``). Importing ``crossdesk.io`` or ``crossdesk.intake`` installs :class:`Finder`,
which loads a compiled module only while its source file is byte for byte the one it was built from:
an edited module is imported from its ``.py`` at once, until ``make build`` compiles it again, so a
compiled module never hides a change. ``CROSSDESK_PURE_PYTHON=1`` imports every module from its source
(a debugger or a profiler that reads Python lines wants that).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent
#: The folder of the ``crossdesk`` package, whose modules' sources the manifest names.
PACKAGE = HERE.parent
MANIFEST = HERE / "manifest.json"
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def digest(path: Path) -> str:
    """The SHA-256 of a source file, as the manifest records it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Finder:
    """Finds the compiled twin of a module named in ``manifest`` (module name -> digest of its source)
    whose source still has that digest; leaves every other import to the finders after it."""

    def __init__(self, manifest: dict[str, str], package: Path = PACKAGE, compiled: Path = HERE) -> None:
        self.manifest = manifest
        self.package = package
        self.compiled = compiled

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        built_from = self.manifest.get(name)
        if built_from is None:
            return None
        parts = name.split(".")[1:]
        source = self.package.joinpath(*parts).with_suffix(".py")
        twin = self.compiled.joinpath(*parts[:-1], parts[-1] + SUFFIX)
        try:
            if not twin.is_file() or digest(source) != built_from:
                return None  # not built, or built from another text of the module: its source is imported
        except OSError:
            return None
        loader = importlib.machinery.ExtensionFileLoader(name, str(twin))
        return importlib.util.spec_from_file_location(name, twin, loader=loader)


def _manifest() -> dict[str, str] | None:
    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # nothing was compiled


def stale() -> list[str]:
    """The compiled modules that would not be used: missing, or built from another text of their source
    (``["manifest.json"]`` when nothing was built)."""
    manifest = _manifest()
    if manifest is None:
        return [MANIFEST.name]
    finder = Finder(manifest)
    return [name for name in sorted(manifest) if finder.find_spec(name) is None]


def install() -> Finder | None:
    """Put a :class:`Finder` first on ``sys.meta_path`` (once), unless ``CROSSDESK_PURE_PYTHON`` is set or
    nothing was compiled."""
    for finder in sys.meta_path:
        if isinstance(finder, Finder):
            return finder
    manifest = _manifest()
    if manifest is None or os.environ.get("CROSSDESK_PURE_PYTHON", "") not in ("", "0"):
        return None
    finder = Finder(manifest)
    sys.meta_path.insert(0, finder)
    return finder


install()

__all__ = ["MANIFEST", "SUFFIX", "Finder", "digest", "install", "stale"]
