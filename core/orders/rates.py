"""Currency rates: minor-unit digits per currency and conversion to USD (scoring, limits, analytics)."""

from __future__ import annotations

from crossdesk.store import Store


class Rates:
    """The desk's ``rates`` table, read once per session (the table changes only on import)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, tuple[float, int]] | None = None

    def _rates(self) -> dict[str, tuple[float, int]]:
        if self._cache is None:
            self._cache = {
                r[0]: (r[1], r[2])
                for r in self.store.db.execute("SELECT currency, usd_per_unit, minor_digits FROM rates")
            }
        return self._cache

    def forget(self) -> None:
        """Read the table again on next use (after the rates changed)."""
        self._cache = None

    def to_usd(self, amount_minor: int, currency: str) -> float:
        """``amount_minor`` of ``currency`` in US dollars; 0.0 for a currency without a rate."""
        rate = self._rates().get(currency.upper())
        if rate is None:
            return 0.0
        usd_per_unit, digits = rate
        return amount_minor / (10**digits) * usd_per_unit

    def known(self, currency: str) -> bool:
        """Whether the desk has a rate for ``currency``."""
        return currency.upper() in self._rates()

    def usd_minor(self, amount_minor: int, currency: str) -> int | None:
        """``amount_minor`` of ``currency`` in US cents, rounded; None for a currency without a rate
        (where money is checked against a limit, an unknown rate must not count as zero)."""
        if not self.known(currency):
            return None
        return round(self.to_usd(amount_minor, currency) * 100)

    def minor_digits(self, currency: str) -> int:
        """Digits after the point of ``currency`` (0 for JPY and KRW); 2 when the desk does not know it."""
        rate = self._rates().get(currency.upper())
        return 2 if rate is None else rate[1]
