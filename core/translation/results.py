"""What translation returns: one text's translation, a run's statistics, the incoming-messages report, a
reply preview, a provider's status; and the two helpers that judge a translation."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

#: What the offline phrasebook could not translate, kept as written between these marks.
UNTRANSLATED = re.compile(r"⟦(.*?)⟧", re.S)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def coverage_of(source: str, translated: str) -> tuple[float, list[str]]:
    """Share of ``source`` that ``translated`` actually translated, judged by its ``⟦ ⟧`` marks."""
    missed = UNTRANSLATED.findall(translated)
    if not missed:
        return 1.0, []
    total = sum(1 for ch in source if not ch.isspace()) or 1
    lost = sum(1 for piece in missed for ch in piece if not ch.isspace())
    return max(0.0, 1.0 - lost / total), missed


@dataclass
class Translation:
    """One text's translation. ``text`` is None when no provider could translate it (see ``error``)."""

    original: str
    text: str | None
    source: str
    target: str
    provider: str = ""  # "" when nothing needed translating (same language)
    cached: bool = False
    coverage: float = 1.0
    untranslated: list[str] = field(default_factory=list)
    error: str = ""
    # A partial translation made because a better provider on the route was down or over quota: worth
    # trying again later (translate_incoming queues the message while showing this one meanwhile).
    upgradable: bool = False
    # Why an earlier translator on the route was not used for this text (its answer failed a check).
    fallback: str = ""

    @property
    def ok(self) -> bool:
        return self.text is not None

    @property
    def complete(self) -> bool:
        """Translated in full (the phrasebook marks what it could not translate)."""
        return self.text is not None and not self.untranslated


@dataclass
class RunStats:
    """What a run did: texts asked for, cache hits, texts and requests sent per provider, notes."""

    texts: int = 0
    same_language: int = 0
    cache_hits: int = 0
    sent_texts: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(self.sent_texts.values())

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)


@dataclass
class IncomingReport:
    """Result of :meth:`TranslationService.translate_incoming`."""

    messages: int = 0
    translated: int = 0
    same_language: int = 0
    queued: int = 0  # nobody could translate them now: retried later
    stats: RunStats = field(default_factory=RunStats)
    partial: int = 0  # translated only in part (the phrasebook's ⟦ ⟧ marks)
    by_provider: Counter = field(default_factory=Counter)
    chars: int = 0  # characters of the translated messages
    chars_translated: float = 0.0  # of which really translated
    warning: str = ""  # e.g. no real translator configured

    def count(self, t: Translation) -> None:
        """Book one message translated by a provider."""
        self.by_provider[t.provider] += 1
        if t.untranslated:
            self.partial += 1
        n = sum(1 for ch in t.original if not ch.isspace())
        self.chars += n
        self.chars_translated += n * t.coverage

    @property
    def warn(self) -> bool:
        """Something was not (fully) translated, or no real translator is configured."""
        return bool(self.partial or self.queued or self.warning)

    @property
    def headline(self) -> str:
        """One honest line: what was really translated, by whom, and what was not."""
        if not self.messages:
            line = "no buyer messages to translate"
        else:
            full = self.translated - self.partial
            parts = [f"{full} of {self.messages} messages fully translated"]
            if self.partial:
                share = self.chars_translated / self.chars if self.chars else 0.0
                parts.append(f"{self.partial} only in part ({share:.0%} of their text; the rest kept in ⟦ ⟧)")
            if self.same_language:
                parts.append(f"{self.same_language} already in the agent's language")
            if self.queued:
                parts.append(f"{self.queued} not translated (queued for a retry)")
            by = ", ".join(f"{name} {n}" for name, n in sorted(self.by_provider.items()))
            line = "; ".join(parts) + (f" (by {by})" if by else "")
        return f"{line}. {self.warning}" if self.warning else line


@dataclass
class ReplyPreview:
    """What the agent sees before sending: their text, and what the buyer would receive."""

    original: str
    text: str | None  # None: no provider could translate; the agent must write it themselves
    source: str
    target: str
    provider: str = ""  # "template" when a template variant in the buyer's language was used
    machine_translated: bool = False
    coverage: float = 1.0
    untranslated: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def complete(self) -> bool:
        return self.text is not None and not self.untranslated


@dataclass
class ProviderStatus:
    name: str
    ready: bool
    reason: str
    languages: tuple[str, ...]


@dataclass
class ReplyCheck:
    """What would go to the buyer, and why the agent must confirm it first (``problems`` empty: nothing)."""

    body: str
    buyer_language: str  # "" when unknown
    language: str  # the reply's language as detected ("und" when it cannot be told)
    problems: list[str] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.problems)

    def confirmation_text(self) -> str:
        """The question the agent answers: what exactly goes out, and what is wrong with it."""
        return (
            f"This exact text goes to the buyer ({self.buyer_language or 'language unknown'}):\n\n{self.body}\n\n"
            + "\n".join(f"- {p}" for p in self.problems)
        )


class UnconfirmedReply(ValueError):
    """A reply that needs the agent's confirmation of its exact text (see :class:`ReplyCheck`)."""

    def __init__(self, check: ReplyCheck) -> None:
        super().__init__("not sent: " + "; ".join(check.problems) + "; confirm this exact text to send it")
        self.check = check
