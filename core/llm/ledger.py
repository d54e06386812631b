"""What the desk spends on language models: one ``llm_calls`` row per call (tokens, USD, seconds, status,
never text), and the per-desk daily budget checked before each call.

The budget is the desk setting ``llm_budget``: ``{"daily_usd": 2.0, "daily_tokens": 500000}`` (either may
be absent: no limit of that kind). A call whose estimate (prompt tokens plus the most the answer may
have) would take the day's spending over a limit is not made (:class:`BudgetExceeded`), so the budget is
never overshot by more than the estimate's error. The day is the UTC date.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from crossdesk.llm.client import ChatResult
from crossdesk.llm.errors import BudgetExceeded
from crossdesk.models import Actor
from crossdesk.store import Store, transaction

BUDGET_SETTING = "llm_budget"


@dataclass
class DayUsage:
    day: str
    calls: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    seconds: float
    by_purpose: dict[str, dict[str, float]]

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LlmLedger:
    """The ``llm_calls`` table and the budget, over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _day(self, at: int | None = None) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.store.now() if at is None else at))

    def budget(self) -> dict[str, float]:
        raw = self.store.get_setting(BUDGET_SETTING, None) or {}
        return {k: float(v) for k, v in dict(raw).items() if k in ("daily_usd", "daily_tokens") and v}

    def set_budget(
        self, actor: Actor, *, daily_usd: float | None = None, daily_tokens: int | None = None
    ) -> None:
        """Set (or, with neither, remove) the daily limits. ``manage_settings``; audited."""
        for name, value in (("daily_usd", daily_usd), ("daily_tokens", daily_tokens)):
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative")
        value: dict[str, Any] = {}
        if daily_usd is not None:
            value["daily_usd"] = float(daily_usd)
        if daily_tokens is not None:
            value["daily_tokens"] = int(daily_tokens)
        self.store.set_setting(actor, BUDGET_SETTING, value)

    def today(self) -> DayUsage:
        return self.usage(self._day())

    def usage(self, day: str) -> DayUsage:
        rows = self.store.db.execute(
            "SELECT purpose, count(*), sum(status != 'ok'), sum(prompt_tokens), sum(completion_tokens), "
            "sum(cost_usd), sum(seconds) FROM llm_calls WHERE day = ? GROUP BY purpose",
            [day],
        ).fetchall()
        out = DayUsage(day, 0, 0, 0, 0, 0.0, 0.0, {})
        for purpose, calls, failed, pt, ct, cost, secs in rows:
            out.calls += calls
            out.failed += failed or 0
            out.prompt_tokens += pt or 0
            out.completion_tokens += ct or 0
            out.cost_usd += cost or 0.0
            out.seconds += secs or 0.0
            out.by_purpose[purpose] = {
                "calls": calls,
                "tokens": (pt or 0) + (ct or 0),
                "cost_usd": cost or 0.0,
                "seconds": secs or 0.0,
            }
        return out

    # ---- the client's Ledger protocol ----------------------------------------------------------------

    def check(self, purpose: str, estimated_tokens: int, estimated_cost: float) -> None:
        limits = self.budget()
        if not limits:
            return
        spent = self.today()
        if "daily_usd" in limits and spent.cost_usd + estimated_cost > limits["daily_usd"]:
            self._write(purpose, None, "BudgetExceeded", None)
            raise BudgetExceeded(
                f"llm: the daily budget of {limits['daily_usd']:.2f} USD would be exceeded "
                f"(spent {spent.cost_usd:.4f} today, this call up to {estimated_cost:.4f}); "
                "raise it with `crossdesk llm budget --usd N`"
            )
        if "daily_tokens" in limits and spent.tokens + estimated_tokens > limits["daily_tokens"]:
            self._write(purpose, None, "BudgetExceeded", None)
            raise BudgetExceeded(
                f"llm: the daily budget of {int(limits['daily_tokens'])} tokens would be exceeded "
                f"(used {spent.tokens} today, this call up to {estimated_tokens}); "
                "raise it with `crossdesk llm budget --tokens N`"
            )

    def record(self, purpose: str, result: ChatResult | None, *, status: str, ticket_id: int | None) -> None:
        self._write(purpose, result, status, ticket_id)

    def _write(self, purpose: str, result: ChatResult | None, status: str, ticket_id: int | None) -> None:
        now = self.store.now()
        row = [
            now, self._day(now), purpose,
            result.model if result else "",
            result.prompt_tokens if result else 0,
            result.completion_tokens if result else 0,
            result.cost_usd if result else 0.0,
            result.seconds if result else 0.0,
            status,
            int(result.usage_estimated) if result else 0,
            ticket_id,
        ]  # fmt: skip
        with self.store.lock, transaction(self.store.db):
            self.store.db.execute(
                "INSERT INTO llm_calls (at, day, purpose, model, prompt_tokens, completion_tokens, cost_usd, "
                "seconds, status, estimated, ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
