"""Build only the Cython extensions; everything else is in pyproject.toml.

Every ``ext/<name>.pyx`` becomes ``crossdesk._native.<name>``. Compiler directives are set here, once.
``CROSSDESK_NATIVE_DEBUG=1`` turns bounds, wraparound and initialisation checks back on (slower, for
tracking down an out-of-range index in a kernel).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

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

# include_path lets the kernels cimport the shared ext/_types.pxd.
setup(
    packages=packages,
    ext_modules=cythonize(extensions, compiler_directives=directives, annotate=False, include_path=["ext"]),
)
