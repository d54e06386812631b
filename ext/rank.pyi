import numpy as np
import numpy.typing as npt

def rank(
    scores: npt.NDArray[np.float32],  # const float[::1]
    created_at: npt.NDArray[np.int64],  # const int64_t[::1]
    out: npt.NDArray[np.int64],  # int64_t[::1], k <= n, written best first
) -> None: ...
