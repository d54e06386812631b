"""assign 100k tickets over 500 agents: the kernel against its reference."""

from __future__ import annotations

import numpy as np
import pytest

from crossdesk import native
from crossdesk.native import reference


@pytest.mark.benchmark(group="assign")
def test_assign_native(benchmark, routing):
    out = benchmark.pedantic(lambda: native.assign(**routing), rounds=7, warmup_rounds=1)
    benchmark.extra_info["assigned"] = int((out >= 0).sum())


@pytest.mark.benchmark(group="assign")
def test_assign_reference(benchmark, routing):
    out = benchmark.pedantic(lambda: reference.assign(*routing.values()), rounds=1)
    np.testing.assert_array_equal(out, native.assign(**routing))
