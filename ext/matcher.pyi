from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

class Automaton:
    """Walks the arrays of crossdesk.native.automaton.AutomatonArrays (int32/uint8 C-contiguous)."""

    def __init__(self, arrays: Any) -> None: ...
    def find(self, text: str) -> list[tuple[int, int, int]]: ...
    def match_many(
        self, texts: Sequence[str], threads: int = 0
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]: ...  # int64_t[m], int32_t[m]
