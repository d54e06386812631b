"""A statutory right of withdrawal described as data: the shape most consumer laws share.

Days from physical possession (the last parcel or lot; the first good of a regular delivery), a roll-over
past non-working days, an extension when the buyer was not told of the right, a list of goods excluded,
and a refund period. Each country's plugin fills in its own numbers and citations; the reasons a verdict
gives quote those citations, so the lines a buyer or agent reads name the article that decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from crossdesk.policy.model import ReturnQuery, Verdict
from crossdesk.policy.periods import SAT_SUN, Calendar, Period, add_months, calendar_for, period_end

__all__ = ["StatutoryWithdrawal", "Uninformed", "fmt"]


def fmt(day: dt.date | None) -> str:
    """A date as a reason line shows it: ISO with the weekday, so roll-overs can be checked by eye."""
    if day is None:
        return "-"
    return f"{day.isoformat()} ({day.strftime('%a')})"


@dataclass(frozen=True)
class Uninformed:
    """What happens when the buyer was not told of the right of withdrawal.

    ``mode``: ``"eu"`` - the period ends ``months`` after the initial period, or ``late_days`` after the
    day the information arrives if it arrives within ``months`` of the start (Directive 2011/83/EU
    art. 10); ``"extend"`` - the period ends ``months`` after the initial one, late information does not
    shorten it (Turkey); ``"replace"`` - the period is ``months`` from delivery instead (Russia).
    ``from_nominal``: count the extension from the unrolled end of the initial period (BGB 356(3) counts
    "12 months and 14 days" from delivery) rather than from its rolled end.
    """

    mode: str
    months: int
    cite: str
    late_days: int = 14
    late_cite: str = ""
    from_nominal: bool = False


@dataclass(frozen=True)
class StatutoryWithdrawal:
    """A policy object (``id``, ``applies``, ``evaluate``) for a statutory right of withdrawal."""

    id: str
    countries: frozenset[str]
    basis: str
    cite_period: str
    cite_start_one: str
    cite_start_several: str
    cite_start_regular: str
    days: int = 14
    right: str = "right of withdrawal"
    count_event_day: bool = False
    #: "fixed": Saturdays, Sundays and public holidays (1182/71, BGB 193); "country": the country's own
    #: working days from the holidays package (weekends moved around holidays); "none": calendar days.
    roll: str = "fixed"
    roll_rule: str = "Regulation 1182/71 art. 3(4)"
    min_working_days: int = 0
    before_delivery: str = ""  # the citation that lets a buyer withdraw before the goods arrive
    uninformed: Uninformed | None = None
    basis_extended: str = ""
    exceptions: Mapping[str, str] = field(default_factory=dict)
    newspaper_subscription_allowed: bool = True  # the newspaper exception spares subscriptions
    refund_days: int | None = None
    refund_from: str = "notice"  # "notice" or "receipt" (of the goods back)
    refund_business_days: bool = False
    #: the refund counts from the notice when nothing was delivered yet (UK CCR reg. 34(6))
    refund_from_notice_if_undelivered: bool = False
    refund_cite: str = ""
    withhold_cite: str = ""
    return_days: int | None = None
    return_cite: str = ""
    defect_note: str = ""
    notes: tuple[str, ...] = ()
    priority: int = 10
    kind: str = "law"

    def applies(self, query: ReturnQuery) -> bool:
        return query.country in self.countries

    def calendar(self, query: ReturnQuery) -> Calendar | None:
        if self.roll == "none":
            return None
        weekend = SAT_SUN if self.roll == "fixed" else None
        return calendar_for(query.country or "", query.region, weekend)

    def _period(self, event: dt.date, cal: Calendar | None, *, days: int = 0, months: int = 0) -> Period:
        return period_end(
            event,
            days=days,
            months=months,
            calendar=cal,
            count_event_day=self.count_event_day and not months,
            min_working_days=self.min_working_days if days and not months else 0,
            rule=self.roll_rule,
        )

    def evaluate(self, query: ReturnQuery) -> Verdict:
        reasons: list[str] = []
        base = dict(policy=self.id, basis=self.basis, kind=self.kind, right=self.right)
        cal = self.calendar(query)
        if cal is not None:
            reasons.extend(cal.notes)

        excluded = self._exception(query, reasons)
        if excluded:
            if query.defective and self.defect_note:
                reasons.append(self.defect_note)
            return Verdict(eligible=False, deadline=None, reasons=tuple(reasons), exception=excluded, **base)

        if not query.delivered:
            if not self.before_delivery:
                reasons.append(
                    f"no delivery date: the {self.days}-day period runs from receipt of the goods "
                    f"({self.cite_start_one}), so it cannot be computed yet"
                )
                return Verdict(
                    eligible=False, deadline=None, reasons=tuple(reasons), missing=("delivered",), **base
                )
            reasons.append(
                f"the goods have not been delivered yet: the {self.days}-day period has not started, and "
                f"the buyer may withdraw before delivery ({self.before_delivery})"
            )
            verdict = Verdict(eligible=True, deadline=None, reasons=tuple(reasons), **base)
            return self._refund(query, cal, verdict)

        start = self._start(query, reasons)
        initial = self._period(start, cal, days=self.days)
        counted = (
            "counting the day of delivery" if self.count_event_day else "the day of delivery not counted"
        )
        reasons.append(
            f"{self.days} days from {fmt(start)}, {counted} ({self.cite_period}): last day {fmt(initial.nominal)}"
        )
        if initial.note:
            reasons.append(initial.note)
        period, extended = self._extension(query, start, initial, cal, reasons)
        deadline = period.end

        if query.requested is None:
            eligible = True
            reasons.append(f"no notice date given: the notice must be sent by {fmt(deadline)}")
        elif query.requested <= deadline:
            eligible = True
            reasons.append(f"notice sent {fmt(query.requested)}: in time (last day {fmt(deadline)})")
        else:
            eligible = False
            reasons.append(f"notice sent {fmt(query.requested)}: after the last day, {fmt(deadline)}")
        missing: tuple[str, ...] = ()
        if query.informed is None and self.uninformed is not None and not eligible:
            missing = ("informed",)
            reasons.append(
                "it is not known whether the buyer was informed of the right: counted as informed; if they were "
                f"not, the period is longer ({self.uninformed.cite})"
            )
        if query.defective and self.defect_note:
            reasons.append(self.defect_note)
        reasons.extend(self.notes)
        verdict = Verdict(
            missing=missing,
            eligible=eligible,
            deadline=deadline,
            reasons=tuple(reasons),
            extended=extended,
            period_start=start,
            **{**base, "basis": self.basis_extended if extended and self.basis_extended else self.basis},
        )
        return self._refund(query, cal, verdict) if eligible else verdict

    # ---- steps ------------------------------------------------------------------------------------

    def _exception(self, query: ReturnQuery, reasons: list[str]) -> str:
        for flag in sorted(query.flags & set(self.exceptions)):
            if flag == "newspaper" and query.regular_delivery and self.newspaper_subscription_allowed:
                reasons.append(
                    f"newspapers and periodicals are excluded, but not subscriptions ({self.exceptions[flag]})"
                )
                continue
            reasons.append(f"no {self.right}: {self.exceptions[flag]}")
            return flag
        return ""

    def _start(self, query: ReturnQuery, reasons: list[str]) -> dt.date:
        if query.regular_delivery:
            start = query.first_delivery
            reasons.append(
                f"regular delivery of goods: the period runs from the first good, delivered {fmt(start)} "
                f"({self.cite_start_regular})"
            )
        elif len(query.delivered) > 1:
            start = query.last_delivery
            dates = ", ".join(d.isoformat() for d in query.delivered)
            reasons.append(
                f"{len(query.delivered)} parcels or lots delivered ({dates}): the period runs from the last, "
                f"{fmt(start)} ({self.cite_start_several})"
            )
        else:
            start = query.last_delivery
            reasons.append(f"delivered {fmt(start)} ({self.cite_start_one})")
        assert start is not None
        return start

    def _extension(
        self, query: ReturnQuery, start: dt.date, initial: Period, cal: Calendar | None, reasons: list[str]
    ) -> tuple[Period, bool]:
        rule = self.uninformed
        informed = query.informed
        if rule is None or informed is True or informed is None:
            return initial, False
        if isinstance(informed, dt.date) and informed <= start:
            reasons.append(f"informed of the right on {fmt(informed)}, by the day of delivery")
            return initial, False
        anchor = initial.nominal if rule.from_nominal else initial.end
        if rule.mode == "replace":
            period = self._period(start, cal, months=rule.months)
            why = "informed only after delivery" if isinstance(informed, dt.date) else "not informed"
            reasons.append(
                f"{why}: the period is {rule.months} months from delivery instead ({rule.cite}); last day {fmt(period.nominal)}"
            )
        elif (
            rule.mode == "eu" and isinstance(informed, dt.date) and informed <= add_months(start, rule.months)
        ):
            period = self._period(informed, cal, days=rule.late_days)
            reasons.append(
                f"informed of the right only on {fmt(informed)}, within {rule.months} months of the start: the "
                f"period ends {rule.late_days} days after that day ({rule.late_cite or rule.cite}); "
                f"last day {fmt(period.nominal)}"
            )
        else:
            period = self._period(anchor, cal, months=rule.months)
            why = (
                f"informed only on {fmt(informed)}, too late to shorten it"
                if isinstance(informed, dt.date)
                else "the buyer was not informed of the right"
            )
            reasons.append(
                f"{why}: the period ends {rule.months} months after the initial period ({rule.cite}); "
                f"last day {fmt(period.nominal)}"
            )
        if period.note:
            reasons.append(period.note)
        if period.end <= initial.end:
            return initial, False
        return period, True

    def _refund(self, query: ReturnQuery, cal: Calendar | None, verdict: Verdict) -> Verdict:
        changes: dict = {}
        reasons = list(verdict.reasons)
        if self.refund_days is not None:
            refund_from = self.refund_from
            if refund_from == "receipt" and not query.delivered and self.refund_from_notice_if_undelivered:
                refund_from = "notice"  # no goods to wait for
            changes.update(refund_days=self.refund_days, refund_from=refund_from)
            unit = "business days" if self.refund_business_days else "days"
            if refund_from == "notice" and query.requested is not None:
                if self.refund_business_days and cal is not None:
                    due = query.requested
                    for _ in range(self.refund_days):
                        due = cal.next_working_day(due)
                else:
                    due = self._period(query.requested, cal, days=self.refund_days).end
                changes["refund_due"] = due
                reasons.append(
                    f"refund due by {fmt(due)}: {self.refund_days} {unit} from the notice ({self.refund_cite})"
                )
            elif refund_from == "receipt":
                reasons.append(
                    f"refund due within {self.refund_days} {unit} of receiving the goods back ({self.refund_cite})"
                )
        if self.withhold_cite:
            changes["refund_withhold"] = True
            reasons.append(
                f"the refund may be withheld until the goods are back or proof of sending arrives ({self.withhold_cite})"
            )
        if self.return_days is not None and query.requested is not None:
            back = self._period(query.requested, cal, days=self.return_days).end
            changes["return_by"] = back
            reasons.append(f"the goods must be sent back by {fmt(back)} ({self.return_cite})")
        return verdict.with_(reasons=tuple(reasons), **changes)
