from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import crossdesk.native as native


def test_pure_env_selects_the_reference_quietly():
    code = (
        "import warnings, numpy as np; warnings.simplefilter('error');"
        "import crossdesk.native as n; print(n.BACKEND);"
        "print(n.rank(np.array([1.0, 3.0, 2.0], np.float32)).tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={"CROSSDESK_PURE": "1", "PATH": ""}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["python", "[1,", "2,", "0]"]


def test_compiled_backend_is_active_here():
    # The test suite runs on a built tree: the dispatcher must have found the extension.
    assert native.BACKEND == "cython"


def test_fallback_warns_once_when_the_extension_is_missing(monkeypatch):
    monkeypatch.delenv("CROSSDESK_PURE", raising=False)
    k = native.Kernels(None, "the compiled extension is missing (test)")
    with pytest.warns(RuntimeWarning, match="pure Python reference"):
        k.rank(np.zeros(2, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        k.rank(np.zeros(2, np.float32))
        k.KeywordMatcher(["a"]).find("a")


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend"):
        native.kernels("fortran")
