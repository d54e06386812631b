"""Every native test runs once per backend: the compiled kernels and the pure references.

The parity tests compare each backend with :mod:`crossdesk.native.reference` on the same inputs; for the
python backend that is the reference against itself, which still checks the dispatcher's conversions.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

import crossdesk.native as native

settings.register_profile(
    "native", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(params=["cython", "python"], scope="module")
def kern(request: pytest.FixtureRequest) -> native.Kernels:
    try:
        return native.kernels(request.param)
    except ImportError:  # pragma: no cover - the build is part of `make test`
        pytest.fail("the compiled kernels are not built: run `pip install -e .` first")
