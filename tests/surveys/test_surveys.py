"""Surveys after solving, on the channels that allow them, in the buyer's language; CSAT and NPS by hand."""

from __future__ import annotations

import itertools

import pytest

from crossdesk.errors import DeskError
from crossdesk.models import Role


def _desk(desk, admin, b):
    """Six solved tickets: two agents in two teams, on eBay, Shopify and Amazon, buyers in DE, FR and JP."""
    north = desk.create_team(admin, "North")
    south = desk.create_team(admin, "South")
    ana = desk.create_agent(admin, "ana", Role.AGENT, team_id=north)
    bo = desk.create_agent(admin, "bo", Role.AGENT, team_id=south)
    plan = [  # platform, country, language, agent, team
        ("ebay", "DE", "de", ana, north),
        ("ebay", "DE", "de", ana, north),
        ("shopify", "FR", "fr", ana, north),
        ("shopify", "FR", "fr", bo, south),
        ("shopify", "JP", "ja", bo, south),
        ("amazon", "DE", "de", bo, south),
    ]
    tickets = []
    for platform, country, lang, agent, team in plan:
        c = b.buyer(platform, country=country, language=lang)
        t = b.ticket(c, platform=platform, language=lang)
        desk.update_ticket(admin, t, assignee_id=agent, team_id=team)
        desk.update_ticket(admin, t, status="solved")
        tickets.append(t)
    return tickets


_seq = itertools.count(1)


def _answer(desk, b, ticket_id, text):
    """The buyer replies on the ticket's thread."""
    t = desk.ticket(b.admin, ticket_id)
    n = next(_seq)
    desk.receive_message(
        b.admin,
        platform=t["platform"],
        shop_id=t["shop_id"],
        thread_id=t["external_id"],
        external_id=f"answer-{ticket_id}-{n}",
        body=text,
        created_at=b.clock.now,
        customer_id=t["customer_id"],
    )


def test_surveys_follow_channel_rules_and_language(desk, admin, b):
    tickets = _desk(desk, admin, b)
    surveys = {s["ticket_id"]: s for s in desk.surveys.list(admin)}
    assert set(surveys) == set(tickets)
    amazon = surveys[tickets[5]]
    assert amazon["status"] == "restricted" and "review request" in amazon["reason"]
    assert desk.surveys.send_due(admin) == 5
    outbox = desk.db.execute("SELECT payload FROM outbox ORDER BY id").fetchall()
    bodies = " | ".join(r[0] for r in outbox)
    assert "wie zufrieden" in bodies and "satisfait" in bodies and "ご満足" in bodies
    assert desk.db.execute(
        "SELECT count(*) FROM messages WHERE ticket_id = ? AND direction = 'out'", [tickets[5]]
    ).fetchone()[0] == 0  # nothing went to the Amazon buyer
    assert desk.surveys.send_due(admin) == 0  # once per ticket
    # The answer is read, the comment kept, and the ticket the reply reopened is solved again.
    _answer(desk, b, tickets[0], "sehr gut, danke für die schnelle Hilfe")
    s = {r["ticket_id"]: r for r in desk.surveys.list(admin)}[tickets[0]]
    assert (s["status"], s["score"]) == ("answered", 5) and "schnelle Hilfe" in s["comment"]
    assert desk.ticket(admin, tickets[0])["status"] == 4  # solved
    # A message that holds no score is an ordinary message: the ticket stays open, the survey waits.
    _answer(desk, b, tickets[1], "Wo ist meine Rechnung?")
    assert {r["ticket_id"]: r for r in desk.surveys.list(admin)}[tickets[1]]["status"] == "sent"
    assert desk.ticket(admin, tickets[1])["status"] == 1  # open


def test_csat_and_nps_match_a_count_by_hand(desk, admin, b):
    tickets = _desk(desk, admin, b)
    desk.surveys.send_due(admin)
    answers = {tickets[0]: "5", tickets[1]: "2 - zu langsam", tickets[2]: "très bien", tickets[3]: "moyen", tickets[4]: "★★★★"}
    for t, text in answers.items():
        _answer(desk, b, t, text)
    # By hand: ana answered 5, 2, 5 -> 2 of 3 are 4-5 = 66.7 %; bo 3, 4 -> 1 of 2 = 50 %.
    by_agent = {f.key: f for f in desk.surveys.figures(admin, "agent")}
    assert (by_agent["ana"].csat_answers, by_agent["ana"].csat) == (3, 66.7)
    assert (by_agent["bo"].csat_answers, by_agent["bo"].csat) == (2, 50.0)
    by_platform = {f.key: f.csat for f in desk.surveys.figures(admin, "platform")}
    assert by_platform == {"ebay": 50.0, "shopify": 66.7}  # ebay 5, 2; shopify 5, 3, 4
    by_market = {f.key: f.csat for f in desk.surveys.figures(admin, "market")}
    assert by_market == {"DE": 50.0, "FR": 50.0, "JP": 100.0}
    assert {f.key: f.csat for f in desk.surveys.figures(admin, "team")} == {"North": 66.7, "South": 50.0}
    # NPS on a second round: 10, 9 promoters; 7 passive; 6, 0 detractors -> (2 - 2) / 5 = 0; per team.
    desk.surveys.set_settings(admin, {"kind": "nps"})
    for t in tickets:
        desk.update_ticket(admin, t, status="open")
        desk.update_ticket(admin, t, status="solved")
    desk.surveys.send_due(admin)
    for t, text in zip(tickets[:5], ["10", "9", "7", "6", "0"], strict=True):
        _answer(desk, b, t, text)
    desk_nps = desk.surveys.figures(admin, "desk")[0]
    assert (desk_nps.nps_answers, desk_nps.promoters, desk_nps.detractors, desk_nps.nps) == (5, 2, 2, 0.0)
    teams = {f.key: f.nps for f in desk.surveys.figures(admin, "team")}
    assert teams == {"North": pytest.approx(100 * (2 - 0) / 3, abs=0.1), "South": -100.0}
    assert desk_nps.csat == 60.0  # the CSAT answers are still counted: 3 of 5


def test_bad_settings_and_groupings_are_refused(desk, admin):
    with pytest.raises(DeskError, match="csat or nps"):
        desk.surveys.set_settings(admin, {"kind": "stars"})
    with pytest.raises(DeskError, match="unknown survey setting"):
        desk.surveys.set_settings(admin, {"colour": "blue"})
    with pytest.raises(DeskError, match="use one of"):
        desk.surveys.figures(admin, "weather")
    assert desk.surveys.settings()["kind"] == "csat"


def test_csat_command_line(tmp_path):
    import time

    from click.testing import CliRunner
    from customers.conftest import Buyers

    from crossdesk.api import Desk
    from crossdesk.cli import cli
    from crossdesk.models import Actor
    from crossdesk.testing import FixedClock

    path = tmp_path / "desk.db"
    clock = FixedClock(int(time.time()))
    desk = Desk.open(path, clock=clock)
    b = Buyers(desk, clock)
    admin = Actor.system("test")
    tickets = _desk(desk, admin, b)
    desk.close()
    run = CliRunner()
    out = run.invoke(cli, ["csat", "send", "--db", str(path)])
    assert out.exit_code == 0 and "5 survey(s)" in out.output
    desk = Desk.open(path, clock=clock)
    _answer(desk, Buyers(desk, clock), tickets[2], "très bien")
    desk.close()
    out = run.invoke(cli, ["csat", "list", "--status", "restricted", "--db", str(path)])
    assert "amazon" in out.output and "review request" in out.output
    out = run.invoke(cli, ["csat", "report", "--by", "platform", "--db", str(path)])
    assert "shopify" in out.output and "100.0" in out.output
