"""The weights of the queue score (docs/scoring.md explains each one)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from crossdesk.models import INTENTS, PLATFORM_CODES


def _platform_risk() -> tuple[float, ...]:
    # Amazon counts every buyer message not answered within 24 hours against the seller's response-time
    # metric (and account health); eBay and Shopee track response rate and time less harshly; a seller's
    # own shop answers only to the buyer.
    risk = {"amazon": 2.0, "ebay": 1.0, "shopee": 1.0, "aliexpress": 0.75, "shopify": 0.25, "web": 0.25}
    out = [0.0] * (max(PLATFORM_CODES.values()) + 1)
    for name, code in PLATFORM_CODES.items():
        out[code] = risk.get(name, 0.0)
    return tuple(out)


@dataclass(frozen=True)
class ScoreWeights:
    """Every knob of the score. Scalars in points; tables indexed by the column's int code."""

    sla: float = 6.0  # points at the SLA deadline
    sla_tau_hours: float = 4.0  # hours before the deadline at which urgency is half of `sla`
    breach: float = 3.0  # extra points the moment the SLA is breached
    overdue: float = 1.5  # points per log(1 + hours overdue) after the breach
    wait: float = 2.0  # points for a long wait since the buyer's last message (saturating)
    wait_tau_hours: float = 12.0  # hours of waiting that give half of `wait`
    value: float = 0.5  # points per natural-log unit of (1 + order value in USD)
    value_cap_usd: float = 1e7  # larger or infinite values count as this
    sentiment: float = 2.0  # points for the angriest message (sentiment -1); positive adds nothing
    escalated: float = 4.0  # points for an escalated ticket
    risk_window_hours: float = 24.0  # the platform's response-time window (Amazon: 24 hours)
    tier: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)  # new, potential, core, high-value
    intent: tuple[float, ...] = field(default_factory=lambda: tuple(w for _, w, _ in INTENTS))
    platform: tuple[float, ...] = field(default_factory=_platform_risk)  # risk at a full window's wait
    status: tuple[float, ...] = (0.5, 0.0, -3.0, -2.0, -math.inf, -math.inf)  # new..closed

    def __post_init__(self) -> None:
        for name in ("sla_tau_hours", "wait_tau_hours", "risk_window_hours"):
            if not getattr(self, name) > 0:
                raise ValueError(f"weight {name} must be a positive number of hours")

    def scalars(self) -> np.ndarray:
        """The scalar weights as float64[11], in the order the compiled kernel reads them."""
        return np.array(
            [
                self.sla,
                self.sla_tau_hours,
                self.breach,
                self.overdue,
                self.wait,
                self.wait_tau_hours,
                self.value,
                self.value_cap_usd,
                self.sentiment,
                self.escalated,
                self.risk_window_hours,
            ],
            dtype=np.float64,
        )

    def table(self, name: str) -> np.ndarray:
        return np.ascontiguousarray(getattr(self, name), dtype=np.float64)

    def replace(self, **changes: object) -> ScoreWeights:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def default_weights() -> ScoreWeights:
    """The documented default weights (docs/scoring.md)."""
    return ScoreWeights()
