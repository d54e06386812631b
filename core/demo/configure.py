"""The demo desk's shops, teams and agents, created through the services before the bulk load."""

from __future__ import annotations

from crossdesk.api import Desk
from crossdesk.demo import world
from crossdesk.demo.context import AgentRow, ShopRow
from crossdesk.models import Actor, Role

#: Settings row recording how the demo desk was built (seed, size, time).
SETTING = "demo"


TEAMS = (
    (
        "EU Marketplaces",
        ("de", "en", "fr", "it", "es", "nl", "pl"),
        ("amazon", "ebay", "shopify", "returns"),
        "Europe/Berlin",
        "DE",
    ),
    ("Americas & UK", ("en", "es", "pt"), ("amazon", "ebay", "shopify", "returns"), "America/New_York", "US"),
    ("Japan", ("ja", "en"), ("amazon",), "Asia/Tokyo", "JP"),
    ("APAC Shopee", ("zh", "en", "ko"), ("shopee", "shopify"), "Asia/Taipei", "TW"),
    ("MENA & Türkiye", ("ar", "tr", "en"), ("amazon",), "Asia/Dubai", "AE"),
    (
        "Escalations",
        ("en", "de", "fr"),
        ("chargebacks", "complaints", "refunds", "amazon", "ebay", "shopify"),
        "Europe/Berlin",
        "DE",
    ),
)

#: (name, role, team, languages, extra skills)
AGENTS = (
    ("Anna Becker", "admin", "EU Marketplaces", ("de", "en"), ("refunds",)),
    ("Jonas Weber", "agent", "EU Marketplaces", ("de", "en", "pl"), ()),
    ("Claire Dubois", "agent", "EU Marketplaces", ("fr", "en", "nl"), ()),
    ("Giulia Romano", "agent", "EU Marketplaces", ("it", "en", "es"), ()),
    ("Javier Ortega", "agent", "EU Marketplaces", ("es", "en", "pt"), ()),
    ("Sanne de Vries", "agent", "EU Marketplaces", ("nl", "en", "de"), ()),
    ("Marta Kowalska", "agent", "EU Marketplaces", ("pl", "en"), ()),
    ("Emily Carter", "supervisor", "Americas & UK", ("en",), ("refunds", "chargebacks")),
    ("Daniel Brooks", "agent", "Americas & UK", ("en",), ()),
    ("Lucia Fernandes", "agent", "Americas & UK", ("pt", "es", "en"), ()),
    ("Yuki Tanaka", "agent", "Japan", ("ja", "en"), ()),
    ("Kenji Watanabe", "agent", "Japan", ("ja",), ()),
    ("Chen Yi-Ting", "agent", "APAC Shopee", ("zh", "en"), ()),
    ("Lim Wei Jie", "agent", "APAC Shopee", ("zh", "en"), ()),
    ("Park Ji-woo", "agent", "APAC Shopee", ("ko", "en"), ()),
    ("Omar Haddad", "agent", "MENA & Türkiye", ("ar", "en"), ()),
    ("Elif Yıldız", "agent", "MENA & Türkiye", ("tr", "en", "de"), ()),
    ("Sophie Laurent", "supervisor", "Escalations", ("fr", "en", "de"), ("chargebacks", "complaints")),
)


def configure(
    desk: Desk, actor: Actor, seed: int, size: int, now: int
) -> tuple[list[ShopRow], list[AgentRow]]:
    rates = {
        r[0]: (r[1], r[2]) for r in desk.db.execute("SELECT currency, usd_per_unit, minor_digits FROM rates")
    }
    shops = []
    for spec in world.SHOPS:
        shop_id = desk.upsert_shop(
            actor,
            platform=spec.platform,
            external_id=spec.external_id,
            name=spec.name,
            country=spec.country,
            currency=spec.currency,
            marketplace=spec.marketplace,
            config=spec.config,
        )
        rate, digits = rates[spec.currency]
        shops.append(
            ShopRow(
                shop_id,
                spec.platform,
                spec.external_id,
                spec.country,
                spec.currency,
                digits,
                rate,
                spec.config.get("domain", ""),
            )
        )
    team_ids = {}
    for name, languages, skills, tz, holidays in TEAMS:
        team_ids[name] = desk.create_team(
            actor,
            name,
            languages=languages,
            skills=skills,
            timezone=tz,
            calendar={"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00", "holidays": holidays},
        )
    agents = []
    for name, role, team, languages, extra in AGENTS:
        team_skills = next(t[2] for t in TEAMS if t[0] == team)
        email = name.lower().replace(" ", ".").replace("ı", "i") + "@nordlicht-home.com"
        agent_id = desk.create_agent(
            actor,
            name,
            Role(role),
            email=email,
            languages=languages,
            skills=sorted(set(team_skills) | set(extra)),
            capacity=25 if role == "agent" else 10,
            team_id=team_ids[team],
            timezone=next(t[3] for t in TEAMS if t[0] == team),
        )
        if role == "agent" or role == "supervisor":
            agents.append(
                AgentRow(
                    agent_id,
                    name,
                    team_ids[team],
                    tuple(languages),
                    tuple(sorted(set(team_skills) | set(extra))),
                )
            )
    desk.set_setting(actor, SETTING, {"seed": seed, "size": size, "built_at": now})
    return shops, agents
