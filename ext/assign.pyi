import numpy as np
import numpy.typing as npt

def assign(
    order: npt.NDArray[np.int64],  # const int64_t[::1]
    ticket_skills: npt.NDArray[np.uint64],  # const uint64_t[::1]
    ticket_langs: npt.NDArray[np.uint64],  # const uint64_t[::1]
    skills_waived: npt.NDArray[np.uint8],  # const uint8_t[::1]
    agent_skills: npt.NDArray[np.uint64],  # const uint64_t[::1]
    agent_langs: npt.NDArray[np.uint64],  # const uint64_t[::1]
    capacity: npt.NDArray[np.int32],  # const int32_t[::1]
    load: npt.NDArray[np.int32],  # const int32_t[::1]
    last_assigned: npt.NDArray[np.int64],  # const int64_t[::1]
    out: npt.NDArray[np.int32],  # int32_t[::1], written; -1 for none
) -> None: ...
