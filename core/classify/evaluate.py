"""Measure the shipped lexicons: recall per language and precision on a labelled set of buyer messages.

Three sets (``crossdesk evaluate classify --set dev|heldout|noisy``)::

    dev       the demo phrase bank (what lexicons are tuned on; crossdesk.demo.evaluation)
    heldout   tests/classify/data/heldout.jsonl (never tuned on)
    noisy     the bank as the demo sends it (typos, greetings; crossdesk.demo.evaluation)

*Recall* counts a message as found when its labelled intent, or one of the intents its label accepts too
(``also``), is among the intents the classifier returns: the classifier is multi-label and the queue ranks
by the strongest one, so "found at all" is what a lexicon gap breaks. *Primary* counts the messages whose
strongest intent is the label (or an accepted one).

Precision is measured three ways, because a buyer who writes "it arrived broken, I want a refund" rightly
fires two intents and a plain per-intent precision would punish that:

* ``strict``: the share of fired intents that are the label or an accepted one;
* ``unrelated``: the share of messages firing an intent that does not go with the label at all
  (see :func:`related`: a praise firing complaint, a product question firing damaged_item ...);
* ``false_alarms``: messages not labelled as a threat that raise a threat flag (chargeback, legal,
  bad review): these page a human, so they are counted on their own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import orjson

from crossdesk.classify import classifier

THREATS = frozenset({"chargeback_threat", "legal_threat", "bad_review_threat"})

#: Intents that naturally come along with another in the same message: a delivery problem with a wish to
#: cancel or get the money back, a defect with a remedy. Symmetric; complaint and threats go with any
#: problem (they say how the buyer feels about it), praise goes with nothing but a question.
_DELIVERY = {"shipping_status", "item_not_received"}
_DEFECT = {"damaged_item", "wrong_item"}
_REMEDY = {"return_request", "refund_request", "exchange", "cancellation"}
_PROBLEMS = _DELIVERY | _DEFECT | _REMEDY | THREATS | {"complaint"}
_PAIRS: set[frozenset[str]] = set()
for _group, _with in (
    (_DELIVERY, _DELIVERY | {"cancellation", "refund_request", "address_change"}),
    (_DEFECT, _DEFECT | _REMEDY),
    (_REMEDY, _REMEDY),
    ({"product_question"}, {"shipping_status", "address_change", "invoice_request", "exchange", "praise"}),
    ({"invoice_request"}, {"refund_request", "cancellation"}),
):
    _PAIRS.update(frozenset((a, b)) for a in _group for b in _with)

#: Slot values for the phrase bank's templates: language-neutral, so they match no keyword themselves.
SLOTS = {"order": "114-2233918", "days": "12", "item": "XR-200", "size": "M", "name": "Sam"}

HELDOUT = Path(__file__).resolve().parents[2] / "tests" / "classify" / "data" / "heldout.jsonl"


class Example(NamedTuple):
    """One labelled buyer message."""

    lang: str
    intent: str
    text: str
    also: tuple[str, ...] = ()


def related(label: str, fired: str) -> bool:
    """Whether ``fired`` is a reasonable intent to find in a message labelled ``label``."""
    if label == fired or frozenset((label, fired)) in _PAIRS:
        return True
    if fired in THREATS:
        return label in THREATS or label == "complaint"
    # A complaint or a threat says how the buyer feels about a problem: it goes with any problem.
    return bool({label, fired} & ({"complaint"} | THREATS)) and {label, fired} <= _PROBLEMS


def heldout_set(path: Path = HELDOUT) -> list[Example]:
    """The held-out messages: one JSON object per line with ``lang``, ``intent``, ``text``, ``also``."""
    if not path.is_file():
        raise FileNotFoundError(f"no held-out set at {path} (it ships with the source tree, not the wheel)")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            out.append(Example(row["lang"], row["intent"], row["text"], tuple(row.get("also", ()))))
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name} line {n}: {exc}") from None
    return out


@dataclass
class Report:
    """What :func:`evaluate` measured."""

    found: Counter = field(default_factory=Counter)  # language -> messages whose intent was found
    primary: Counter = field(default_factory=Counter)  # language -> strongest intent was right
    total: Counter = field(default_factory=Counter)  # language -> messages
    fired: int = 0  # intents fired over all messages
    fired_right: int = 0  # of those, the label or an accepted one
    unrelated: int = 0  # messages firing an unrelated intent
    threat_negatives: int = 0  # messages not labelled as threats
    false_alarms: int = 0  # of those, messages raising a threat flag
    misses: list[tuple[Example, tuple[str, ...]]] = field(default_factory=list)
    strays: list[tuple[Example, tuple[str, ...]]] = field(default_factory=list)
    by_intent: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def recall(self, lang: str | None = None) -> float:
        if lang is None:
            return sum(self.found.values()) / max(1, sum(self.total.values()))
        return self.found[lang] / max(1, self.total[lang])

    @property
    def strict_precision(self) -> float:
        return self.fired_right / max(1, self.fired)

    @property
    def unrelated_rate(self) -> float:
        return self.unrelated / max(1, sum(self.total.values()))

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / max(1, self.threat_negatives)


def evaluate(examples: Sequence[Example]) -> Report:
    """Classify every example (with its language) and count hits, strays and false alarms."""
    results = classifier().classify_texts([e.text for e in examples], [e.lang for e in examples])
    rep = Report()
    for ex, res in zip(examples, results, strict=True):
        ok = {ex.intent, *ex.also}
        rep.total[ex.lang] += 1
        rep.by_intent[ex.intent][1] += 1
        if ok & set(res.intents):
            rep.found[ex.lang] += 1
            rep.by_intent[ex.intent][0] += 1
        else:
            rep.misses.append((ex, res.intents))
        if res.intent in ok:
            rep.primary[ex.lang] += 1
        rep.fired += len(res.intents)
        rep.fired_right += len(ok & set(res.intents))
        if any(not related(ex.intent, f) and f not in ex.also for f in res.intents):
            rep.unrelated += 1
            rep.strays.append((ex, res.intents))
        # The phrase bank's complaints accept threats (some are threats): not counted here.
        if not ok & THREATS:
            rep.threat_negatives += 1
            rep.false_alarms += bool(res.flags)
    return rep


def format_report(rep: Report, name: str) -> str:
    """The figures as a small table: per language, then overall and per intent."""
    lines = [f"{name}: lang  found/total  recall  primary"]
    for lang in sorted(rep.total):
        t = rep.total[lang]
        lines.append(
            f"  {lang:4} {rep.found[lang]:5}/{t:<5}  {rep.found[lang] / t:6.1%}  {rep.primary[lang] / t:6.1%}"
        )
    n = sum(rep.total.values())
    lines.append(
        f"  all  {sum(rep.found.values()):5}/{n:<5}  {rep.recall():6.1%}  {sum(rep.primary.values()) / n:6.1%}"
    )
    lines.append("  per intent: " + ", ".join(f"{i} {f}/{t}" for i, (f, t) in sorted(rep.by_intent.items())))
    lines.append(
        f"  precision: strict {rep.strict_precision:.1%} ({rep.fired_right}/{rep.fired} fired intents), "
        f"unrelated {rep.unrelated_rate:.1%} of messages ({rep.unrelated}), "
        f"threat false alarms {rep.false_alarm_rate:.1%} ({rep.false_alarms}/{rep.threat_negatives})"
    )
    return "\n".join(lines)
