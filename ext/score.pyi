import numpy as np
import numpy.typing as npt

def score(
    sla_due: npt.NDArray[np.int64],  # const int64_t[::1]
    last_customer_msg_at: npt.NDArray[np.int64],  # const int64_t[::1]
    order_value_usd: npt.NDArray[np.float32],  # const float[::1]
    tier: npt.NDArray[np.int8],  # const int8_t[::1]
    intent: npt.NDArray[np.int16],  # const int16_t[::1]
    sentiment: npt.NDArray[np.float32],  # const float[::1]
    platform: npt.NDArray[np.int8],  # const int8_t[::1]
    status: npt.NDArray[np.int8],  # const int8_t[::1]
    escalated: npt.NDArray[np.uint8],  # const uint8_t[::1]
    now: float,  # double
    params: npt.NDArray[np.float64],  # const double[::1], length 11
    tier_w: npt.NDArray[np.float64],  # const double[::1]
    intent_w: npt.NDArray[np.float64],  # const double[::1]
    platform_w: npt.NDArray[np.float64],  # const double[::1]
    status_w: npt.NDArray[np.float64],  # const double[::1]
    out: npt.NDArray[np.float32],  # float[::1], written
) -> None: ...
