"""Plugin vocabulary: ``crossdesk_rule_conditions`` and ``crossdesk_rule_actions``."""

from __future__ import annotations

import datetime as dt

import pytest

from crossdesk import hookimpl
from crossdesk.models import RuleAction, RuleCondition
from crossdesk.rules import RuleError
from crossdesk.testing import plugin_registered


class Weekend:
    @hookimpl
    def crossdesk_rule_conditions(self):
        def weekend(desk, ticket):
            return dt.datetime.fromtimestamp(ticket["created_at"], dt.UTC).weekday() >= 5

        return [RuleCondition("weekend", weekend, "Ticket opened on a Saturday or Sunday")]


class Pager:
    def __init__(self) -> None:
        self.paged: list[int] = []

    @hookimpl
    def crossdesk_rule_actions(self):
        def page(desk, actor, ticket_id, params):
            self.paged.append(ticket_id)
            desk.add_tags(actor, ticket_id, ["paged"])
            return {"paged": params.get("who", "on-call")}

        return [RuleAction("page", page, "Page the on-call supervisor")]


def test_hook_crossdesk_rule_conditions(h):
    with plugin_registered(h.desk.pm, Weekend()):
        h.rules(
            {
                "name": "weekend",
                "event": "ticket_created",
                "all": [{"field": "weekend", "op": "is", "value": True}],
                "actions": [{"action": "add_tag", "tag": "weekend"}],
            }
        )
        monday = h.ticket("hi")  # the fixed clock is a Monday
        h.clock.advance(5 * 86400)
        saturday = h.ticket("hi")
        assert h.tags(monday) == [] and h.tags(saturday) == ["weekend"]
        (result,) = h.desk.rules.dry_run(h.admin)
        assert result.count == 1  # the bulk evaluator asks the plugin too
    with pytest.raises(RuleError, match="unknown field 'weekend'"):
        h.desk.rules.parse(
            {
                "name": "x",
                "event": "time",
                "all": [{"field": "weekend", "op": "is", "value": True}],
                "actions": [{"action": "escalate"}],
            }
        )


def test_hook_crossdesk_rule_actions(h):
    pager = Pager()
    with plugin_registered(h.desk.pm, pager):
        h.rules({"name": "page", "event": "ticket_created", "actions": [{"action": "page", "who": "sam"}]})
        ticket = h.ticket("urgent!")
    assert pager.paged == [ticket]
    assert h.tags(ticket) == ["paged"]
    (firing,) = h.firings(ticket, "page")
    assert firing["changes"] == [{"action": "page", "result": {"paged": "sam"}}]


class Broken:
    @hookimpl
    def crossdesk_rule_actions(self):
        def explode(desk, actor, ticket_id, params):
            desk.add_tags(actor, ticket_id, ["half-done"])
            raise RuntimeError("plugin bug")

        return [RuleAction("explode", explode, "Always fails")]


def test_a_crashing_plugin_action_never_costs_the_buyers_message(h, caplog):
    with plugin_registered(h.desk.pm, Broken()):
        h.rules({"name": "boom", "event": "message_received", "actions": [{"action": "explode"}]})
        with caplog.at_level("ERROR", logger="crossdesk.rules"):
            ticket = h.ticket("hello")
    assert h.tags(ticket) == []  # its half-done work rolled back
    (firing,) = h.firings(ticket, "boom")
    assert firing["outcome"] == "error" and firing["changes"][0]["error"] == "RuntimeError: plugin bug"
    assert "plugin bug" in caplog.text
    assert [m["body"] for m in h.desk.ticket(h.admin, ticket)["messages"]] == ["hello"]
