"""Build only the Cython extensions; everything else is in pyproject.toml.

Every ``ext/<name>.pyx`` becomes ``crossdesk._native.<name>``. Compiler directives are set here, once.
``CROSSDESK_NATIVE_DEBUG=1`` turns bounds, wraparound and initialisation checks back on (slower, for
tracking down an out-of-range index in a kernel).

The modules in ``ACCELERATED`` (pure Python, the bulk intake's hot path) are also compiled as they are,
into ``crossdesk/_accel/`` beside a manifest of the sources they were built from; ``crossdesk._accel``
loads one only while its source is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
DEBUG = os.environ.get("CROSSDESK_NATIVE_DEBUG", "") not in ("", "0")

directives = {
    "language_level": "3",
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "nonecheck": DEBUG,
    "embedsignature": True,
}

compile_args = ["-O3"] if not DEBUG else ["-O0", "-g"]
if not DEBUG and os.environ.get("CROSSDESK_NATIVE_MARCH", "") not in ("", "0"):
    compile_args.append("-march=native")

# Per-kernel flags on top of compile_args. score: gcc if-converts and vectorises the score loop only when
# floating-point operations may be computed speculatively (no traps, no errno); NaN and infinity keep
# their IEEE meaning (no -ffast-math), which the score's contract for non-finite inputs needs.
extra_args = {
    "score": [] if DEBUG else ["-fno-trapping-math", "-fno-math-errno"],
}

extensions = [
    Extension(
        f"crossdesk._native.{pyx.stem}",
        [str(pyx.relative_to(HERE))],
        include_dirs=[numpy.get_include(), "ext"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=[*compile_args, *extra_args.get(pyx.stem, []), "-fopenmp"],
        extra_link_args=["-fopenmp"],
    )
    for pyx in sorted((HERE / "ext").glob("*.pyx"))
]

# The four folders map onto one import namespace (see package-dir in pyproject.toml). setuptools'
# automatic discovery cannot follow such a mapping, so subpackages are listed from the folders here.
ROOTS = {
    "crossdesk": "core",
    "crossdesk._native": "ext",
    "crossdesk.plugins": "plugins",
    "crossdesk.tui": "tui",
}
packages = []
for name, folder in ROOTS.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

#: Pure-Python modules compiled as they are (crossdesk._accel): the per-record Python of an import.
ACCELERATED = [
    "crossdesk.intake.days",
    "crossdesk.intake.parties",
    "crossdesk.intake.service",
    "crossdesk.intake.sql",
    "crossdesk.intake.threads",
    "crossdesk.io.batch",
    "crossdesk.io.importer",
    "crossdesk.io.prepare",
    "crossdesk.io.records",
    "crossdesk.io.wellformed",
]
# Python's semantics kept whole: annotations are not types to enforce, and functions bind as Python's do.
accel_directives = {"language_level": "3", "binding": True, "annotation_typing": False}


def _source(module: str) -> Path:
    return Path("core", *module.split(".")[1:]).with_suffix(".py")


accelerated = [Extension(name, [str(_source(name))], extra_compile_args=["-O2"]) for name in ACCELERATED]
#: What each is compiled from: taken with the sources that cythonize (below) reads.
DIGESTS = {name: hashlib.sha256((HERE / _source(name)).read_bytes()).hexdigest() for name in ACCELERATED}


class BuildExt(build_ext):
    """Puts each compiled twin under ``crossdesk/_accel/`` (never beside its source, where it would be
    imported in its place however the source changed), then writes the manifest of the sources' digests."""

    @staticmethod
    def _twin(root: str, name: str, filename: str) -> str:
        return os.path.join(root, "_accel", *name.split(".")[1:-1], os.path.basename(filename))

    def get_ext_fullpath(self, ext_name: str) -> str:
        path = super().get_ext_fullpath(ext_name)
        if ext_name not in ACCELERATED:
            return path
        root = Path(path).parents[len(ext_name.split(".")) - 2]  # the crossdesk package's folder
        return self._twin(str(root), ext_name, path)

    def _get_inplace_equivalent(self, build_py, ext: Extension) -> tuple[str, str]:
        inplace_file, regular_file = super()._get_inplace_equivalent(build_py, ext)
        if ext.name in ACCELERATED:
            inplace_file = self._twin(build_py.get_package_dir("crossdesk"), ext.name, inplace_file)
            regular_file = self._twin(os.path.join(self.build_lib, "crossdesk"), ext.name, regular_file)
        return inplace_file, regular_file

    def copy_extensions_to_source(self) -> None:
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            self.mkpath(os.path.dirname(self._get_inplace_equivalent(build_py, ext)[0]))
        super().copy_extensions_to_source()

    def run(self) -> None:
        super().run()
        if self.inplace:
            root = Path(self.get_finalized_command("build_py").get_package_dir("crossdesk"), "_accel")
        else:
            root = Path(self.build_lib, "crossdesk", "_accel")
        root.mkdir(parents=True, exist_ok=True)
        (root / "manifest.json").write_text(
            json.dumps(DIGESTS, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )


# include_path lets the kernels cimport the shared ext/_types.pxd.
setup(
    packages=packages,
    ext_modules=[
        *cythonize(extensions, compiler_directives=directives, annotate=False, include_path=["ext"]),
        *cythonize(accelerated, compiler_directives=accel_directives, build_dir="build/accel", quiet=True),
    ],
    cmdclass={"build_ext": BuildExt},
)
