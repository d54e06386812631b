"""The return-policy contract types: the question (:class:`ReturnQuery`) and the answer (:class:`Verdict`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol, runtime_checkable

__all__ = ["FLAGS", "PLATFORMS", "Policy", "QueryError", "ReturnQuery", "Verdict"]

#: Facts about the goods a query may carry.
FLAGS = frozenset(
    {
        "custom_made",  # made to the buyer's specifications or clearly personalised
        "perishable",  # liable to deteriorate or expire rapidly
        "sealed_hygiene_opened",  # sealed for health or hygiene, unsealed after delivery
        "sealed_media_opened",  # sealed audio, video or software, unsealed after delivery
        "newspaper",  # a newspaper, periodical or magazine
        "faulty",  # defective
        "not_as_described",  # not what the listing or contract described
    }
)

#: Marketplaces with a policy of their own; None is the shop's own site.
PLATFORMS = frozenset({"amazon", "ebay", "shopee", "aliexpress", "shopify"})

# Names people and platforms use for the same country (ISO 3166-1 alpha-2 is the contract).
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


class QueryError(ValueError):
    """A return query that cannot be evaluated as given (a bad flag, a date that is not a date...)."""


def _as_date(value: Any, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise QueryError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    raise QueryError(f"{name}: {value!r} is not a date")


@dataclass(frozen=True)
class ReturnQuery:
    """The facts a return or withdrawal is judged on. Dates are the buyer's calendar days.

    ``informed`` is True when the buyer was told of the right of withdrawal before or at delivery, False
    when never, or the date the information reached the buyer; None when it is not known (the verdict then
    says when the answer depends on it). ``delivered`` holds one date per parcel or
    lot and is empty when nothing has arrived yet.
    """

    country: str | None = None
    region: str | None = None
    platform: str | None = None
    ordered: dt.date | None = None
    delivered: tuple[dt.date, ...] = ()
    requested: dt.date | None = None
    informed: bool | dt.date | None = True
    regular_delivery: bool = False
    flags: frozenset[str] = frozenset()
    seller_policy_days: int | None = None
    category: str = ""

    def __post_init__(self) -> None:
        country = (self.country or "").strip().upper() or None
        country = _COUNTRY_ALIASES.get(country, country) if country else None
        object.__setattr__(self, "country", country)
        region = (self.region or "").strip().upper() or None
        if region and country and region.startswith(country + "-"):
            region = region[len(country) + 1 :]
        object.__setattr__(self, "region", region)
        platform = (self.platform or "").strip().lower() or None
        object.__setattr__(self, "platform", platform)
        object.__setattr__(self, "ordered", _as_date(self.ordered, "ordered"))
        object.__setattr__(self, "requested", _as_date(self.requested, "requested"))
        delivered = self.delivered
        if delivered is None:
            delivered = ()
        elif isinstance(delivered, (dt.date, str)):
            delivered = (delivered,)
        object.__setattr__(
            self, "delivered", tuple(sorted(_as_date(d, "delivered") for d in delivered if d is not None))
        )
        informed = self.informed
        if informed is not None and not isinstance(informed, bool):
            informed = _as_date(informed, "informed")
        object.__setattr__(self, "informed", informed)
        flags = frozenset(self.flags or ())
        unknown = flags - FLAGS
        if unknown:
            raise QueryError(
                f"unknown flag(s) {', '.join(sorted(unknown))}; expected any of {', '.join(sorted(FLAGS))}"
            )
        object.__setattr__(self, "flags", flags)
        days = self.seller_policy_days
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
            raise QueryError(f"seller_policy_days: {days!r} is not a number of days (0 or more)")

    @property
    def first_delivery(self) -> dt.date | None:
        return self.delivered[0] if self.delivered else None

    @property
    def last_delivery(self) -> dt.date | None:
        return self.delivered[-1] if self.delivered else None

    @property
    def defective(self) -> bool:
        """Faulty or not as described: the goods, not the buyer's mind, are the reason."""
        return bool(self.flags & {"faulty", "not_as_described"})

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "region": self.region,
            "platform": self.platform,
            "ordered": _iso(self.ordered),
            "delivered": [d.isoformat() for d in self.delivered],
            "requested": _iso(self.requested),
            "informed": self.informed.isoformat() if isinstance(self.informed, dt.date) else self.informed,
            "regular_delivery": self.regular_delivery,
            "flags": sorted(self.flags),
            "seller_policy_days": self.seller_policy_days,
            "category": self.category,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReturnQuery:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise QueryError(f"unknown field(s) {', '.join(sorted(unknown))} in a return query")
        return cls(**dict(data))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


@dataclass(frozen=True)
class Verdict:
    """One policy's answer, or (from :func:`evaluate_return`) the buyer's best answer with the others in
    ``considered``, most favourable to the buyer first.

    ``deadline`` is the last day the buyer may send the notice; None when no period runs (not delivered
    yet, no right at all, or a right without a fixed day count such as Australia's consumer guarantees).
    ``refund_due`` is the last day for the refund when the law fixes one from the notice; ``refund_days``
    and ``refund_from`` ("notice" or "receipt" of the goods back) say how it is counted otherwise.
    """

    policy: str
    eligible: bool
    deadline: dt.date | None
    basis: str
    reasons: tuple[str, ...] = ()
    extended: bool = False
    kind: str = "law"  # law, platform, seller, or none when nothing applied
    right: str = ""  # what the buyer has: withdrawal, return window, short-term right to reject...
    period_start: dt.date | None = None
    refund_due: dt.date | None = None
    refund_days: int | None = None
    refund_from: str = ""
    refund_withhold: bool = False  # the trader may wait for the goods or proof they were sent back
    return_by: dt.date | None = None  # the last day for the buyer to send the goods back
    missing: tuple[str, ...] = ()
    exception: str = ""  # the flag that excluded the right, if one did
    considered: tuple[Verdict, ...] = field(default=(), repr=False)

    def with_(self, **changes: Any) -> Verdict:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (orjson or json), dates as ISO strings; ``from_dict`` reads it back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif f.name == "considered":
                value = [v.to_dict() for v in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in ("deadline", "period_start", "refund_due", "return_by") and value:
                value = dt.date.fromisoformat(value)
            elif f.name == "considered":
                value = tuple(cls.from_dict(v) for v in value)
            elif f.name in ("reasons", "missing"):
                value = tuple(value)
            kwargs[f.name] = value
        return cls(**kwargs)

    def summary(self) -> str:
        """One line: eligible or not, until when, on what basis."""
        from crossdesk.policy.words import verdict_words

        extra = " (extended)" if self.extended else ""
        missing = f"; missing: {', '.join(self.missing)}" if self.missing else ""
        return f"{verdict_words(self.eligible, self.deadline)}{extra} - {self.basis}{missing}"


@runtime_checkable
class Policy(Protocol):
    """What ``crossdesk_return_policies`` returns: an ``id``, ``applies(query)`` and ``evaluate(query)``.

    Optional attributes: ``kind`` ("law", "platform" or "seller") and ``priority`` (an int; on a tie in
    favourability the higher one is listed first, so a national law goes before the directive it
    transposes).
    """

    id: str

    def applies(self, query: ReturnQuery) -> bool: ...

    def evaluate(self, query: ReturnQuery) -> Verdict: ...


def gather(results: Iterable[Iterable[Policy]]) -> list[Policy]:
    """Flatten hook results, dropping repeated ids (the first registration wins)."""
    seen: set[str] = set()
    out: list[Policy] = []
    for group in results:
        for policy in group or ():
            if policy.id in seen:
                continue
            seen.add(policy.id)
            out.append(policy)
    return out
