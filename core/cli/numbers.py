"""Number options that refuse what no person means: ``inf``, ``nan``, ``1e999`` and amounts beyond any order.

click's ``FloatRange`` lets ``nan`` through every bound (each comparison with NaN is false) and ``inf``
through a lower bound; a plain ``int`` option takes a 30-digit amount that SQLite cannot store. These
types say so in one line instead of failing later with a traceback."""

from __future__ import annotations

import math
from typing import Any

import click

#: The largest amount in minor units an option accepts: 10^15 major units of a 2-decimal currency, the
#: sync engine's bound too; far below SQLite's 64-bit integers, far above any real order.
MAX_MINOR = 10**17


class FiniteFloat(click.FloatRange):
    """A ``FloatRange`` that is also finite: ``inf``, ``-inf`` and ``nan`` are refused in words."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, float)):
            try:
                number = float(value)
            except ValueError:
                number = 0.0  # not a number at all: FloatRange says so
            if not math.isfinite(number):
                self.fail(f"{value!r} is not a number a person means: give a finite number", param, ctx)
        return super().convert(value, param, ctx)


class MinorAmount(click.IntRange):
    """Money in minor units (cents): a whole number from 1 to :data:`MAX_MINOR`."""

    name = "amount"

    def __init__(self) -> None:
        super().__init__(min=1, max=MAX_MINOR)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(
                f"{value!r} is not an amount in minor units: give a whole number of cents from 1 to "
                f"{MAX_MINOR} (12.50 is 1250)",
                param,
                ctx,
            )
