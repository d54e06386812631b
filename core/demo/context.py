"""What every chunk of the demo generator needs: the shops and agents on the desk, the seed and the clock,
and the lookup tables derived from them once per process."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property

import orjson
import phonenumbers

from crossdesk.demo import world
from crossdesk.demo.phrases import PhraseBank, strip_accents
from crossdesk.demo.proportions import (
    PLANS,
    STATUS_SHARES,
    TICKETS_PER_BUYER,
    cum,
    price_minor,
)


@dataclass(frozen=True)
class ShopRow:
    id: int
    platform: str
    external_id: str
    country: str
    currency: str
    digits: int
    usd_rate: float
    domain: str


@dataclass(frozen=True)
class AgentRow:
    id: int
    name: str
    team_id: int | None
    languages: tuple[str, ...]
    skills: tuple[str, ...] = ()


@dataclass
class Context:
    """What every chunk needs: the shops and agents already on the desk, the seed and the clock."""

    seed: int
    now: int
    chunk_size: int
    shops: list[ShopRow]
    agents: list[AgentRow]
    phone_schemes: dict[str, tuple[str, int]] = field(default_factory=dict)

    @cached_property
    def phrases(self) -> PhraseBank:
        return PhraseBank(self.seed)

    @cached_property
    def names(self) -> dict:
        from importlib import resources

        return orjson.loads(resources.files("crossdesk.demo").joinpath("names.json").read_bytes())

    @cached_property
    def tables(self) -> Tables:
        return Tables(self)


def phone_schemes() -> dict[str, tuple[str, int]]:
    """Per country: an E.164 prefix of a mobile range and how many trailing digits are free.

    Built from phonenumbers' example mobile number of each country, keeping as many free trailing digits
    as stay valid in a seeded sample, so the numbers we make look and validate like real ones.
    """
    rng = random.Random("phones")
    out = {}
    for spec in world.COUNTRIES:
        example = phonenumbers.example_number_for_type(spec.code, phonenumbers.PhoneNumberType.MOBILE)
        national = str(example.national_number)
        for free in (7, 6, 5, 4):
            prefix = f"+{example.country_code}{national[:-free]}"
            if all(
                phonenumbers.is_valid_number(
                    phonenumbers.parse(f"{prefix}{rng.randrange(10**free):0{free}d}")
                )
                for _ in range(48)
            ):
                out[spec.code] = (prefix, free)
                break
    return out


class Tables:
    """Lookup tables derived once per process from the context."""

    def __init__(self, ctx: Context) -> None:
        self.shop_by_ext = {s.external_id: s for s in ctx.shops}
        self.countries = list(world.COUNTRIES)
        self.country_cum = cum([c.weight for c in self.countries])
        self.country_langs = [
            ([lang for lang, _ in c.languages], cum([w for _, w in c.languages])) for c in self.countries
        ]
        self.country_shops = [
            ([self.shop_by_ext[ext] for ext, _ in c.shops], cum([w for _, w in c.shops]))
            for c in self.countries
        ]
        eu = {"DE", "AT", "FR", "BE", "NL", "ES", "IT", "PL", "IE", "PT", "CH"}
        self.fallback_store = {
            c.code: self.shop_by_ext[world.EU_STORE if c.code in eu else world.US_STORE]
            for c in self.countries
        }
        self.names = {}
        for key, pool in ctx.names.items():
            roman = pool.get("romanize", {})

            def split(entry: str, roman: dict = roman) -> tuple[str, str]:
                native, _, latin = entry.partition("|")
                latin = latin or roman.get(native) or native
                return native, strip_accents(latin).lower().replace(" ", "").replace("'", "").replace("-", "")

            self.names[key] = (
                [split(e) for e in pool["first"]],
                [split(e) for e in pool["last"]],
                bool(pool.get("family_first")),
                pool.get("sep", " "),
            )
        self.intents = [name for name, _ in world.INTENTS]
        self.intent_cum = cum([w for _, w in world.INTENTS])
        self.status_cum = {k: cum(v) for k, v in STATUS_SHARES.items()}
        self.plans = {s: ([p for _, p in v], cum([w for w, _ in v])) for s, v in PLANS.items()}
        self.per_buyer = ([n for _, n in TICKETS_PER_BUYER], cum([w for w, _ in TICKETS_PER_BUYER]))
        self.products = list(world.CATALOG)
        self.sized = [i for i, p in enumerate(self.products) if p.sized]
        self.size_cum = cum(world.SIZE_WEIGHTS)
        self.short = [" ".join(p.title.split(",")[0].split()[1:4]) for p in self.products]
        self.prices = {
            (i, s.currency): price_minor(p.usd, s.usd_rate, s.digits, s.currency)
            for i, p in enumerate(self.products)
            for s in ctx.shops
        }
        by_lang: dict[str, list[AgentRow]] = {}
        for agent in ctx.agents:
            for lang in agent.languages:
                by_lang.setdefault(lang, []).append(agent)
        #: Who answers a (language, platform) ticket: speakers with the platform skill, else any speaker.
        self.agents_for = {
            (lang, s.platform): [a for a in agents if s.platform in a.skills] or agents
            for lang, agents in by_lang.items()
            for s in ctx.shops
        }
        self.fallback_agents = {
            s.platform: [a for a in by_lang.get("en", ctx.agents) if s.platform in a.skills]
            or by_lang.get("en")
            or list(ctx.agents)
            for s in ctx.shops
        }
