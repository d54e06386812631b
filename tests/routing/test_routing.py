"""Routing: the open, unassigned tickets in queue order to the agents who can take them, in one native call."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from crossdesk import hookimpl, native
from crossdesk.cli import cli
from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.routing import (
    FULL,
    LAST_SETTING,
    NO_AGENTS,
    NO_LANGUAGE,
    NO_SKILL,
    SKILLS_SETTING,
    RoutingPlan,
)
from crossdesk.testing import make_desk, plugin_registered

ADMIN = Actor(name="ops", role=Role.ADMIN)
SUPERVISOR = Actor(name="sue", role=Role.SUPERVISOR)
AGENT = Actor(name="ana", role=Role.AGENT)
PLATFORMS = ("amazon", "ebay", "shopee", "shopify", "web")


class Desk:
    """A desk with tickets written directly (routing reads rows, whoever wrote them)."""

    def __init__(self, desk) -> None:
        self.desk = desk
        self.n = 0
        now = desk.now()
        for i, p in enumerate(PLATFORMS, start=1):
            desk.db.conn.execute(
                "INSERT INTO shops (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [i, p, f"S{i}", f"shop {i}", now],
            )

    def agent(self, name: str, languages=("en",), skills=(), capacity: int = 10) -> int:
        return self.desk.team.create_agent(
            ADMIN, name, languages=list(languages), skills=list(skills), capacity=capacity
        )

    def ticket(
        self,
        language: str = "en",
        *,
        platform: str = "web",
        intent: str = "",
        hours_waiting: float = 1,
        status: int = 1,
        assignee: int | None = None,
        escalated: int = 0,
    ) -> int:
        self.n += 1
        now = self.desk.now()
        created = now - int(hours_waiting * 3600)
        return (
            self.desk.db["tickets"]
            .insert(
                {
                    "platform": platform,
                    "shop_id": PLATFORMS.index(platform) + 1,
                    "external_id": f"T{self.n}",
                    "status": status,
                    "intent": intent,
                    "language": language,
                    "assignee_id": assignee,
                    "escalated": escalated,
                    "created_at": created,
                    "updated_at": now,  # the live queue follows changes by updated_at, as intake sets it
                    "last_customer_msg_at": created,
                }
            )
            .last_pk
        )

    def case(self, ticket_id: int, type_: str, state: str = "requested") -> None:
        now = self.desk.now()
        self.desk.db.conn.execute(
            "INSERT INTO cases (type, state, ticket_id, requested_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [type_, state, ticket_id, now, now],
        )

    def plan(self, actor: Actor = ADMIN, **kw) -> RoutingPlan:
        return self.desk.routing.plan(actor, **kw)


@pytest.fixture
def d(crossdesk_desk):
    return Desk(crossdesk_desk)


def who(plan: RoutingPlan) -> dict[int, int]:
    return {a.ticket_id: a.agent_id for a in plan.assignments}


def why(plan: RoutingPlan) -> dict[int, str]:
    return {u.ticket_id: u.reason for u in plan.unrouted}


# ---- eligibility ---------------------------------------------------------------------------------------


def test_language_decides_who_can_take_a_ticket(d):
    en = d.agent("en", ["en"])
    de = d.agent("de", ["de", "en"])
    pt = d.agent("pt", ["pt-BR"])
    t_de = d.ticket("de")
    t_ptbr = d.ticket("pt-PT")  # compared by primary subtag
    t_ja = d.ticket("ja")
    t_unknown = d.ticket("")
    plan = d.plan()
    assert who(plan)[t_de] == de
    assert who(plan)[t_ptbr] == pt
    assert who(plan)[t_unknown] in {en, de, pt}
    assert why(plan) == {t_ja: NO_LANGUAGE}
    assert plan.unrouted[0].detail == "no agent speaks ja"


def test_an_agent_who_lists_no_languages_speaks_every_one(d):
    anyone = d.agent("polyglot", [])
    t = d.ticket("ja")
    assert who(d.plan()) == {t: anyone}


def test_skills_from_intent_platform_and_open_cases(d):
    plain = d.agent("plain", ["en"], capacity=50)
    returns = d.agent("returns", ["en"], ["Returns"], capacity=50)  # compared case-blind
    ebay = d.agent("ebay", ["en"], ["ebay", "returns"], capacity=50)
    t_return = d.ticket(intent="return_request")
    t_case = d.ticket(intent="shipping_status")
    d.case(t_case, "exchange")
    t_closed_case = d.ticket(intent="shipping_status")
    d.case(t_closed_case, "return", state="closed")
    t_ebay = d.ticket(platform="ebay")
    t_amazon = d.ticket(platform="amazon")  # nobody lists "amazon": not required
    plan = d.plan()
    got = who(plan)
    assert got[t_return] in {returns, ebay} and got[t_case] in {returns, ebay}
    assert got[t_ebay] == ebay
    assert {got[t_closed_case], got[t_amazon]} <= {plain, returns, ebay}
    skills = {a.ticket_id: a.skills for a in plan.assignments}
    assert skills[t_return] == ("returns",) and skills[t_case] == ("returns",)
    assert skills[t_amazon] == () and skills[t_ebay] == ("ebay",)


def test_no_agent_with_the_skills_in_the_language(d):
    d.agent("returns-en", ["en"], ["returns"])
    d.agent("de", ["de"])
    t = d.ticket("de", intent="refund_request")  # "refunds": nobody has it, so not required
    t_ret = d.ticket("de", intent="return_request")
    plan = d.plan()
    assert t in who(plan)
    assert why(plan) == {t_ret: NO_SKILL}
    assert plan.unrouted[0].detail == "no agent who speaks de has returns"


def test_the_skill_map_is_a_desk_setting(d):
    d.desk.set_setting(ADMIN, SKILLS_SETTING, {"intent": {"product_question": "sales"}})
    d.agent("support", ["en"], ["returns"])
    sales = d.agent("sales", ["en"], ["sales"])
    t_q = d.ticket(intent="product_question")
    t_ret = d.ticket(intent="return_request")  # the intent table was replaced whole: no skill now
    plan = d.plan()
    assert who(plan)[t_q] == sales and t_ret in who(plan)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (["returns"], "must be an object"),
        ({"weather": {}}, "unknown table 'weather'"),
        ({"intent": ["returns"]}, "must map names"),
        ({"intent": {"complaint": 3}}, "intent.complaint must be a skill"),
    ],
)
def test_a_bad_skill_setting_is_one_clear_error(d, setting, message):
    d.agent("a")
    d.ticket()
    d.desk.set_setting(ADMIN, SKILLS_SETTING, setting)
    with pytest.raises(DeskError, match=message):
        d.plan()


# ---- capacity, load, order, ties ------------------------------------------------------------------------


def test_capacity_and_load(d):
    busy = d.agent("busy", capacity=3)
    free = d.agent("free", capacity=2)
    d.ticket(assignee=busy)
    d.ticket(assignee=busy)
    d.ticket(assignee=busy, status=4)  # solved: not load
    new = [d.ticket(hours_waiting=h) for h in (9, 8, 7, 6, 5)]
    plan = d.plan()
    # Most spare capacity first: free (2) takes the best ticket, then busy (1) ties with free (1) ...
    assert [a.ticket_id for a in plan.assignments] == new[:3]
    assert sorted(who(plan).values()) == [busy, free, free]
    assert why(plan) == {new[3]: FULL, new[4]: FULL}
    assert plan.unrouted[0].detail == "every agent who could take it is at capacity"
    loads = {a.agent_id: (a.capacity, a.load, a.planned) for a in plan.agents}
    assert loads == {busy: (3, 2, 1), free: (2, 0, 2)}
    assert str(plan) == "5 unassigned tickets: 3 to assign, 2 stay unassigned (2 everyone who could is full)"


def test_capacity_override_for_shifts(d):
    off = d.agent("off", capacity=10)
    on = d.agent("on", capacity=1)
    t1, t2 = d.ticket(hours_waiting=2), d.ticket(hours_waiting=1)
    plan = d.plan(capacity={off: 0})
    assert who(plan) == {t1: on} and why(plan) == {t2: FULL}


def test_queue_order_and_limit(d):
    d.agent("a", capacity=100)
    ids = [d.ticket(hours_waiting=h) for h in (1, 30, 5, 12)]
    d.ticket(escalated=1, hours_waiting=0.5)
    order = [e.ticket_id for e in d.desk.queue.top(ADMIN, 10, assignee=0)]
    assert [a.ticket_id for a in d.plan().assignments] == order
    assert [a.ticket_id for a in d.plan(limit=2).assignments] == order[:2]
    assert d.plan(limit=0).assignments == ()
    assert set(ids) <= set(order)
    with pytest.raises(DeskError, match="limit"):
        d.plan(limit=-1)


def test_ties_go_to_the_least_recently_assigned(d):
    first = d.agent("first", capacity=5)
    second = d.agent("second", capacity=5)
    t1 = d.ticket(hours_waiting=3)
    # Equal spare capacity, never assigned: the lower index.
    assert who(d.plan()) == {t1: first}
    d.desk.routing.apply(ADMIN)
    assert d.desk.get_setting(LAST_SETTING) == {str(first): 1}
    # first now has less spare capacity; give second the same load so they tie again.
    d.ticket(assignee=second)
    t2 = d.ticket(hours_waiting=2)
    assert who(d.plan()) == {t2: second}  # second was never given one by routing
    d.desk.routing.apply(ADMIN)
    assert d.desk.get_setting(LAST_SETTING) == {str(first): 1, str(second): 2}
    d.ticket(assignee=second)  # loads: first 1, second 3
    t3 = d.ticket(hours_waiting=1)
    assert who(d.plan()) == {t3: first}  # the most spare capacity comes first
    d.desk.routing.apply(ADMIN)
    assert d.desk.get_setting(LAST_SETTING) == {str(first): 3, str(second): 2}
    # Loads 3 and 3: tied, and second is now the one routing gave a ticket to longest ago (the lowest
    # index would have been first).
    d.ticket(assignee=first)
    t4 = d.ticket(hours_waiting=0.5)
    assert who(d.plan()) == {t4: second}


def test_skills_timeout_lets_a_long_wait_go_to_anyone_who_speaks_it(d):
    d.agent("returns", ["de"], ["returns"], capacity=0)
    plain = d.agent("plain", ["en", "de"])
    old = d.ticket("de", intent="return_request", hours_waiting=10)
    young = d.ticket("de", intent="return_request", hours_waiting=1)
    plan = d.plan(skills_timeout=4 * 3600)
    assert who(plan) == {old: plain}
    # The one agent with the skill is off shift: full, not missing.
    assert why(plan) == {young: FULL}
    assert why(d.plan()) == {old: FULL, young: FULL}
    # Gone altogether, nobody active lists "returns": it stops being required.
    d.desk.db.execute("UPDATE agents SET active = 0 WHERE name = 'returns'")
    assert who(d.plan()) == {old: plain, young: plain}


def test_a_desk_without_agents(d, monkeypatch):
    calls = []
    monkeypatch.setattr(native, "assign", lambda *a, **k: calls.append(1))
    t = d.ticket()
    plan = d.plan()
    assert plan.assignments == () and why(plan) == {t: NO_AGENTS} and plan.agents == ()
    assert calls == []
    assert d.desk.routing.apply(ADMIN).assigned == 0
    assert d.desk.db["tickets"].get(t)["assignee_id"] is None


def test_an_empty_queue(d):
    d.agent("a")
    plan = d.plan()
    assert plan.assignments == () and plan.unrouted == ()
    assert str(plan) == "0 unassigned tickets: 0 to assign"


def test_inactive_agents_are_not_routed_to(d):
    gone = d.agent("gone")
    here = d.agent("here")
    d.desk.db.execute("UPDATE agents SET active = 0 WHERE id = ?", [gone])
    t = d.ticket()
    assert who(d.plan()) == {t: here}
    assert [a.agent_id for a in d.plan().agents] == [here]


def test_the_reference_kernel_plans_the_same(d, monkeypatch):
    for k in range(6):
        d.agent(
            f"a{k}",
            [["en"], ["de", "en"], ["ja"], ["fr"], [], ["en"]][k],
            [["returns"], []][k % 2],
            capacity=3,
        )
    for k in range(40):
        d.ticket(
            ["en", "de", "ja", "fr", "es", ""][k % 6], intent=["", "return_request"][k % 2], hours_waiting=k
        )
    compiled = d.plan()
    monkeypatch.setattr(native, "assign", native.kernels("python").assign)
    assert d.plan() == compiled


# ---- dry run and apply --------------------------------------------------------------------------------


def _snapshot(desk):
    return (
        desk.db.execute("SELECT id, assignee_id, updated_at FROM tickets ORDER BY id").fetchall(),
        desk.db.execute("SELECT count(*) FROM audit").fetchone()[0],
        desk.db.execute("SELECT key, value FROM settings ORDER BY key").fetchall(),
    )


def test_a_plan_changes_nothing(d):
    d.agent("a")
    for _ in range(5):
        d.ticket()
    before = _snapshot(d.desk)
    plan = d.plan(AGENT)  # a plan needs only "view"
    assert len(plan.assignments) == 5
    assert _snapshot(d.desk) == before


def test_apply_assigns_audits_and_raises_one_event_per_ticket(d):
    a = d.agent("a", capacity=2)
    b = d.agent("b", capacity=2)
    tickets = [d.ticket(hours_waiting=h) for h in (5, 4, 3, 2, 1)]
    seen = []

    class Observer:
        @hookimpl
        def crossdesk_event(self, event):
            seen.append((event.name, event.object_id, dict(event.data)))

    with plugin_registered(d.desk.pm, Observer()):
        result = d.desk.routing.apply(SUPERVISOR)
    assert result.assigned == 4 and str(result) == "4 tickets assigned, 1 left unassigned"
    rows = dict(d.desk.db.execute("SELECT id, assignee_id FROM tickets").fetchall())
    assert sorted(rows[t] for t in tickets[:4]) == [a, a, b, b] and rows[tickets[4]] is None
    updated = [s for s in seen if s[0] == "ticket_updated"]
    assert sorted(s[1] for s in updated) == sorted(tickets[:4])
    assert all(s[2]["changes"]["assignee_id"][0] is None for s in updated)
    audit = d.desk.db.execute("SELECT action, object_id, actor FROM audit ORDER BY id").fetchall()
    assert sorted(r[1] for r in audit if r[0] == "ticket.update") == sorted(tickets[:4])
    summary = [r for r in audit if r[0] == "routing.apply"]
    assert summary == [("routing.apply", None, "sue")]
    # Nothing left to route but the one nobody has room for.
    again = d.plan()
    assert again.assignments == () and why(again) == {tickets[4]: FULL}


def test_apply_skips_what_changed_since_the_plan(d):
    a = d.agent("a")
    other = d.agent("other", capacity=0)
    t1, t2, t3 = d.ticket(hours_waiting=3), d.ticket(hours_waiting=2), d.ticket(hours_waiting=1)
    plan = d.plan()
    d.desk.tickets.update(ADMIN, t1, assignee_id=other)
    d.desk.tickets.update(ADMIN, t2, status="solved")
    result = d.desk.routing.apply(ADMIN, plan)
    assert result.results == {
        t1: f"skipped: already assigned to agent #{other}",
        t2: "skipped: solved or closed since the plan",
        t3: "ok",
    }
    assert d.desk.db["tickets"].get(t1)["assignee_id"] == other
    assert d.desk.db["tickets"].get(t3)["assignee_id"] == a
    assert str(result) == "1 tickets assigned, 2 skipped (changed since the plan)"


def test_apply_skips_an_agent_deactivated_since_the_plan(d):
    gone = d.agent("gone")
    t = d.ticket()
    plan = d.plan()
    assert who(plan) == {t: gone}
    d.desk.db.execute("UPDATE agents SET active = 0 WHERE id = ?", [gone])
    result = d.desk.routing.apply(ADMIN, plan)
    assert result.results == {t: "skipped: gone is no longer an active agent"}
    assert d.desk.db["tickets"].get(t)["assignee_id"] is None
    assert d.desk.get_setting(LAST_SETTING) == {}


def test_assigning_many_needs_bulk(d):
    d.agent("a")
    t1, t2 = d.ticket(), d.ticket()
    before = _snapshot(d.desk)
    with pytest.raises(PermissionDenied, match="may not bulk"):
        d.desk.routing.apply(AGENT)
    assert _snapshot(d.desk) == before
    # One ticket needs only "reply", like assigning one by hand.
    result = d.desk.routing.apply(AGENT, limit=1)
    assert result.assigned == 1 and d.desk.db["tickets"].get(t1)["assignee_id"] is not None
    assert d.desk.db["tickets"].get(t2)["assignee_id"] is None


def test_every_call_needs_an_actor(d):
    with pytest.raises(TypeError, match="Actor"):
        d.desk.routing.plan(None)


# ---- scale: one native call -------------------------------------------------------------------------------


def test_ten_thousand_tickets_route_in_one_native_call(d, monkeypatch):
    langs = ["en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar"]
    skills = ["returns", "refunds", "complaints", "amazon", "ebay"]
    rng = np.random.default_rng(7)
    for k in range(60):
        d.agent(
            f"agent{k}",
            list(rng.choice(langs, size=int(rng.integers(1, 4)), replace=False)),
            list(rng.choice(skills, size=int(rng.integers(0, 4)), replace=False)),
            capacity=int(rng.integers(50, 200)),
        )
    now = d.desk.now()
    intents = ["", "product_question", "return_request", "refund_request", "complaint", "shipping_status"]
    rows = [
        (
            PLATFORMS[k % 5],
            k % 5 + 1,
            f"big{k}",
            1,
            intents[k % len(intents)],
            langs[int(rng.integers(0, len(langs)))],
            now - k,
            now - k,
            now - k,
        )
        for k in range(10_000)
    ]
    d.desk.db.conn.executemany(
        "INSERT INTO tickets (platform, shop_id, external_id, status, intent, language, created_at, updated_at, "
        "last_customer_msg_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    calls = []
    real = native.assign

    def counting(*args, **kw):
        calls.append(len(args[1]))
        return real(*args, **kw)

    monkeypatch.setattr(native, "assign", counting)
    plan = d.plan()
    assert calls == [10_000]
    assert len(plan.assignments) + len(plan.unrouted) == 10_000
    assert len(plan.assignments) > 5_000
    # No agent is planned past their capacity.
    for agent in plan.agents:
        assert agent.load + agent.planned <= agent.capacity


# ---- the command line ----------------------------------------------------------------------------------


def test_cli_route(tmp_path, monkeypatch):
    path = tmp_path / "desk.db"
    desk = make_desk(path=str(path))
    d = Desk(desk)
    d.agent("Ana Agent", ["en"], capacity=1)
    d.agent("Sam Super", ["de"], capacity=5)
    desk.db.execute("UPDATE agents SET role = 'supervisor' WHERE name = 'Sam Super'")
    t_en, t_en2, t_ja = d.ticket("en", hours_waiting=3), d.ticket("en", hours_waiting=2), d.ticket("ja")
    desk.close()
    runner = CliRunner()

    result = runner.invoke(cli, ["route", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert f"#{t_en:<8}" in result.output and "-> Ana Agent" in result.output
    assert f"#{t_ja:<8}" in result.output and "stays unassigned: no agent speaks ja" in result.output
    assert "Ana Agent: 0 open + 1 planned of capacity 1" in result.output
    assert result.output.strip().endswith(
        "3 unassigned tickets: 1 to assign, 2 stay unassigned "
        "(1 everyone who could is full, 1 nobody speaks the language)"
    )
    desk = make_desk(path=str(path))
    assert desk.db["tickets"].get(t_en)["assignee_id"] is None
    desk.close()

    # An agent may not assign many at once: one line, no traceback, nothing written.
    monkeypatch.setenv("CROSSDESK_ACTOR", "Ana Agent")
    desk = make_desk(path=str(path))
    desk.db.execute("UPDATE agents SET capacity = 5 WHERE name = 'Ana Agent'")
    desk.db.conn.commit()
    desk.close()
    result = runner.invoke(cli, ["route", "--db", str(path), "--apply"])
    assert result.exit_code == 1 and "Error: Ana Agent (agent) may not bulk" in result.output
    assert "Traceback" not in result.output

    monkeypatch.setenv("CROSSDESK_ACTOR", "Sam Super")
    result = runner.invoke(cli, ["route", "--db", str(path), "--apply", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("1 tickets assigned")
    desk = make_desk(path=str(path))
    assert desk.db["tickets"].get(t_en)["assignee_id"] is not None
    assert desk.db["tickets"].get(t_en2)["assignee_id"] is None
    desk.close()

    result = runner.invoke(cli, ["route", "--db", str(path), "--limit", "-1"])
    assert result.exit_code == 2
