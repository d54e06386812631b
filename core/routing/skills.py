"""What a ticket needs and what an agent offers, as names: the skill map, and languages compared by their
primary subtag.

A ticket's skills come from what the desk already knows about it, through a table that is data: its
platform, its intent and the types of its open after-sales cases each map to skills. The default table
(:data:`DEFAULT_SKILL_MAP`) uses the skill names the demo desk's agents carry ("amazon", "returns",
"refunds", "chargebacks", "complaints" ...); a desk replaces any of the three tables with the setting
``routing.skills``, e.g. ``{"intent": {"legal_threat": ["legal"]}, "platform": {}}`` (a table given
replaces the default one whole; an empty table maps nothing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from crossdesk.errors import DeskError
from crossdesk.models import Tier

#: The setting that overrides the skill map (a JSON object with any of the keys of DEFAULT_SKILL_MAP).
SKILLS_SETTING = "routing.skills"

#: A ticket tag ``skill:<name>`` requires that skill (the rule action ``require_skill`` adds one).
SKILL_TAG = "skill:"

#: What a ticket needs, by what it is: the tables ``platform`` (the ticket's platform), ``intent`` (its
#: intent) and ``case_type`` (each of its open after-sales cases), each name -> skills.
DEFAULT_SKILL_MAP: dict[str, dict[str, list[str]]] = {
    # Each marketplace has its own rules, tools and deadlines (Amazon's A-to-z, eBay's Money Back
    # Guarantee, Shopee's chat metrics): who answers needs to know them.
    "platform": {
        "amazon": ["amazon"],
        "ebay": ["ebay"],
        "shopee": ["shopee"],
        "shopify": ["shopify"],
        "aliexpress": ["aliexpress"],
        "web": ["web"],
    },
    # Intents that lead to money or goods moving, or to a dispute: the people trained for those.
    "intent": {
        "return_request": ["returns"],
        "exchange": ["returns"],
        "damaged_item": ["returns"],
        "wrong_item": ["returns"],
        "refund_request": ["refunds"],
        "chargeback_threat": ["chargebacks"],
        "complaint": ["complaints"],
        "bad_review_threat": ["complaints"],
        "legal_threat": ["complaints"],
    },
    # An open case is work already under way: its type says who can carry it on.
    "case_type": {
        "return": ["returns"],
        "exchange": ["returns"],
        "refund": ["refunds"],
        "complaint": ["complaints"],
    },
    # The buyer's language (primary subtag) and segment (tier label: new, potential, core, high-value):
    # empty by default; a desk adds e.g. {"ja": ["japan"]} or {"high-value": ["vip"]}.
    "language": {},
    "tier": {},
}


def skill_map(setting: Any) -> dict[str, dict[str, list[str]]]:
    """The default map with the tables of the ``routing.skills`` setting (None: no override) put in.
    Raises DeskError, in one line, when the setting is not of that shape."""
    out = {table: dict(names) for table, names in DEFAULT_SKILL_MAP.items()}
    if setting is None:
        return out
    if not isinstance(setting, Mapping):
        raise DeskError(f"setting {SKILLS_SETTING} must be an object of tables, not {type(setting).__name__}")
    for table, names in setting.items():
        if table not in DEFAULT_SKILL_MAP:
            raise DeskError(
                f"setting {SKILLS_SETTING}: unknown table {table!r}; known: {', '.join(DEFAULT_SKILL_MAP)}"
            )
        if not isinstance(names, Mapping):
            raise DeskError(f"setting {SKILLS_SETTING}: {table} must map names to lists of skills")
        parsed: dict[str, list[str]] = {}
        for name, skills in names.items():
            if isinstance(skills, str):
                skills = [skills]
            if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
                raise DeskError(
                    f"setting {SKILLS_SETTING}: {table}.{name} must be a skill or a list of skills"
                )
            parsed[str(name)] = skills
        out[table] = parsed
    return out


def norm_skills(skills: Iterable[str]) -> frozenset[str]:
    """Skills compare case-blind and without surrounding blanks; empty names are dropped."""
    return frozenset(s.strip().lower() for s in skills if s and s.strip())


def norm_language(tag: str | None) -> str:
    """A language tag compared by its primary subtag: "pt-BR", "pt_br" and "PT" are all "pt"; "" unknown."""
    return (tag or "").strip().replace("_", "-").split("-")[0].lower()


def ticket_skills(
    skills: Mapping[str, Mapping[str, list[str]]],
    platform: str,
    intent: str,
    case_types: Iterable[str],
    *,
    language: str | None = None,
    tier: int | None = None,
    extra: Iterable[str] = (),
) -> frozenset[str]:
    """The skills a ticket needs by the map, plus ``extra`` (a rule's ``require_skill``), before the
    service drops those nobody on the desk has."""
    need = list(skills["platform"].get(platform or "", ()))
    need += skills["intent"].get(intent or "", ())
    for case_type in case_types:
        need += skills["case_type"].get(case_type, ())
    if language:
        need += skills["language"].get(norm_language(language), ())
    if tier is not None and skills["tier"]:
        with contextlib.suppress(ValueError):
            need += skills["tier"].get(Tier(int(tier)).label, ())
    need += extra
    return norm_skills(need)
