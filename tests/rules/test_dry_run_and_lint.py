"""``rules test`` (dry run) and ``rules lint``, through the service and the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crossdesk.cli import cli
from crossdesk.models import Actor
from crossdesk.rules.model import Rule

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rules.toml"


def _rule(h, **raw) -> Rule:
    raw.setdefault("event", "message_received")
    raw.setdefault("actions", [{"action": "add_tag", "tag": "x"}])
    return h.desk.rules.parse(raw)


def test_dry_run_counts_and_samples_without_changing_anything(h):
    tickets = [h.ticket("Where is my order?"), h.ticket("where is MY ORDER please"), h.ticket("Thanks!")]
    h.ticket("Wo ist mein Paket?", platform="ebay", language="de")
    rules = [
        _rule(h, name="wismo", all=[{"field": "keywords", "op": "contains", "value": ["where is my order"]}]),
        _rule(
            h,
            name="german ebay",
            all=[
                {"field": "platform", "op": "is", "value": "ebay"},
                {"field": "language", "op": "is", "value": "de"},
            ],
        ),
        _rule(h, name="none", all=[{"field": "platform", "op": "is", "value": "shopee"}]),
        _rule(
            h,
            name="solved",
            event="ticket_updated",
            all=[{"field": "status", "op": "changed_to", "value": "new"}],
        ),
    ]
    before = h.desk.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    results = {r.rule: r for r in h.desk.rules.dry_run(h.admin, rules, sample=1)}
    assert results["wismo"].count == 2
    assert [s["id"] for s in results["wismo"].sample] == tickets[:1]
    assert results["german ebay"].count == 1
    assert results["none"].count == 0 and results["none"].sample == []
    assert results["solved"].count == 4 and results["solved"].approximate
    assert h.desk.db.execute("SELECT count(*) FROM audit").fetchone()[0] == before
    assert h.desk.db.execute("SELECT count(*) FROM rule_firings").fetchone()[0] == 0
    assert all(h.tags(t) == [] for t in tickets)


def test_dry_run_of_once_per_ticket_rules_leaves_out_tickets_already_fired(h):
    h.rules(
        {
            "name": "ack",
            "event": "message_received",
            "once_per_ticket": True,
            "actions": [{"action": "add_tag", "tag": "ack"}],
        }
    )
    h.ticket("one")
    (result,) = h.desk.rules.dry_run(h.admin)
    assert result.count == 0
    h.desk.db.execute("DELETE FROM rule_firings")
    (result,) = h.desk.rules.dry_run(h.admin)
    assert result.count == 1


def test_lint_finds_conflicting_rules_on_overlapping_conditions(h):
    h.ticket("I will do a chargeback", platform="amazon")
    issues = h.desk.rules.lint(
        h.admin,
        [
            _rule(
                h,
                name="urgent chargebacks",
                position=10,
                all=[{"field": "keywords", "op": "contains", "value": "chargeback"}],
                actions=[{"action": "set_priority", "value": "urgent"}],
            ),
            _rule(
                h,
                name="amazon is low",
                position=20,
                all=[{"field": "platform", "op": "is", "value": "amazon"}],
                actions=[{"action": "set_priority", "value": "low"}],
            ),
            # Disjoint with the one above: never both.
            _rule(
                h,
                name="ebay is high",
                position=30,
                all=[
                    {"field": "platform", "op": "is", "value": "ebay"},
                    {"field": "keywords", "op": "not_contains", "value": "chargeback"},
                ],
                actions=[{"action": "set_priority", "value": "high"}],
            ),
            # Guarded by its own condition: once "urgent chargebacks" ran, it no longer matches.
            _rule(
                h,
                name="raise normal",
                position=40,
                all=[{"field": "priority", "op": "is", "value": "normal"}],
                actions=[{"action": "set_priority", "value": "high"}],
            ),
        ],
    )
    conflicts = [i for i in issues if i.kind == "conflict"]
    pairs = {(i.rule, i.other) for i in conflicts}
    assert ("urgent chargebacks", "amazon is low") in pairs
    assert not any("ebay is high" in p and "amazon is low" in p for p in pairs)
    assert not any("raise normal" in p and "urgent chargebacks" in p for p in pairs)
    (hit,) = [i for i in conflicts if i.other == "amazon is low"]
    assert hit.overlap == 1 and "'amazon is low' runs later and wins" in hit.message


def test_lint_finds_rules_that_can_never_fire(h):
    issues = h.desk.rules.lint(
        h.admin,
        [
            _rule(
                h,
                name="two platforms",
                all=[
                    {"field": "platform", "op": "is", "value": "amazon"},
                    {"field": "platform", "op": "is", "value": "ebay"},
                ],
            ),
            _rule(
                h,
                name="empty range",
                all=[
                    {"field": "order_value", "op": "gt", "value": 100},
                    {"field": "order_value", "op": "lt", "value": 50},
                ],
            ),
            _rule(
                h,
                name="tag both ways",
                all=[
                    {"field": "tags", "op": "contains", "value": "vip"},
                    {"field": "tags", "op": "not_contains", "value": "vip"},
                ],
            ),
            _rule(
                h,
                name="change on create",
                event="ticket_created",
                all=[{"field": "status", "op": "changed_to", "value": "open"}],
            ),
            _rule(
                h,
                name="solved on create",
                event="ticket_created",
                all=[{"field": "status", "op": "is", "value": "solved"}],
            ),
            _rule(h, name="no template", actions=[{"action": "reply", "template": "nope"}]),
            _rule(h, name="ghost team", actions=[{"action": "assign_team", "team": "Atlantis"}]),
            _rule(
                h,
                name="fine",
                all=[
                    {"field": "platform", "op": "in", "value": ["amazon", "ebay"]},
                    {"field": "platform", "op": "is", "value": "ebay"},
                ],
            ),
        ],
    )
    never = {i.rule for i in issues if i.kind == "never_fires"}
    assert never == {
        "two platforms",
        "empty range",
        "tag both ways",
        "change on create",
        "solved on create",
        "no template",
        "ghost team",
    }


def test_lint_flags_auto_replies_the_template_lint_flags(h):
    h.desk.templates.save(h.admin, "promo", "Thanks {buyer_name}! Use coupon SAVE10 at www.acme-shop.com")
    h.desk.templates.save(h.admin, "clean", "Thanks {buyer_name}, we are on it.")
    issues = h.desk.rules.lint(
        h.admin,
        [
            _rule(
                h,
                name="amazon promo",
                all=[{"field": "platform", "op": "is", "value": "amazon"}],
                actions=[{"action": "reply", "template": "promo"}],
            ),
            _rule(h, name="clean reply", actions=[{"action": "reply", "template": "clean"}]),
        ],
    )
    flagged = [i for i in issues if i.kind == "auto_reply"]
    assert {i.rule for i in flagged} == {"amazon promo"}
    assert any("marketing" in i.message for i in flagged) and any("link" in i.message for i in flagged)


def test_examples_lint_clean_once_their_team_and_templates_exist(h):
    h.desk.templates.install_starter(h.admin)
    h.desk.create_team(h.admin, "Japan", languages=["ja"])
    assert [str(i) for i in h.desk.rules.lint(h.admin, EXAMPLES)] == []


def _cli_desk(tmp_path: Path) -> str:
    from crossdesk.api import Desk

    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    admin = Actor.system()
    shop = desk.upsert_shop(admin, platform="amazon", external_id="AMZ", name="Acme")
    for i, text in enumerate(["Where is my order?", "I will file a chargeback", "Thanks"]):
        desk.receive_message(
            admin,
            platform="amazon",
            shop_id=shop,
            thread_id=f"t{i}",
            external_id=f"m{i}",
            body=text,
            created_at=1765792800,
        )
    desk.close()
    return str(path)


def test_cli_rules_test_and_lint(tmp_path):
    db = _cli_desk(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["rules", "test", str(EXAMPLES), "--db", db])
    assert result.exit_code == 0, result.output
    assert "Escalate chargeback threats" in result.output and "over 3 tickets" in result.output
    lint = runner.invoke(cli, ["rules", "lint", str(EXAMPLES), "--db", db])
    assert lint.exit_code == 1  # the desk has neither the templates nor the Japan team
    assert (
        "never_fires: Route Japanese to the Japanese-speaking team: assign_team: no team named 'Japan'"
        in lint.output
    )


def test_cli_errors_are_one_line(tmp_path):
    db = _cli_desk(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nname = "x"\nevent = "never"\nactions = [{action="escalate"}]\n')
    result = CliRunner().invoke(cli, ["rules", "test", str(bad), "--db", db])
    assert result.exit_code == 1
    assert "event must be one of" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_load_list_and_automate(tmp_path):
    db = _cli_desk(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["templates", "install-starter", "--db", db]).exit_code == 0
    loaded = runner.invoke(cli, ["rules", "load", str(EXAMPLES), "--db", db])
    count = EXAMPLES.read_text(encoding="utf-8").count("[[rules]]")
    assert loaded.exit_code == 0 and f"loaded {count} rules" in loaded.output
    listed = runner.invoke(cli, ["rules", "list", "--db", db])
    assert "Escalate chargeback threats" in listed.output
    ran = runner.invoke(cli, ["automate", "--db", db])
    assert ran.exit_code == 0 and ran.output.startswith("SLA: 0 breach(es)")


def test_cli_firings_and_template_lint(tmp_path):
    db = _cli_desk(tmp_path)
    runner = CliRunner()
    rules = tmp_path / "r.toml"
    rules.write_text(
        '[[rules]]\nname = "tag all"\nevent = "message_received"\nactions = [{action="add_tag", tag="seen"}]\n'
    )
    assert runner.invoke(cli, ["rules", "load", str(rules), "--db", db]).exit_code == 0
    from crossdesk.api import Desk

    desk = Desk.open(db)
    admin = Actor.system()
    shop = desk.shop_id("amazon", "AMZ")
    desk.receive_message(
        admin,
        platform="amazon",
        shop_id=shop,
        thread_id="t9",
        external_id="m9",
        body="hi",
        created_at=1765792800,
    )
    desk.templates.save(admin, "bad", "Visit www.acme-shop.com for a discount")
    desk.close()
    fired = runner.invoke(cli, ["rules", "firings", "--db", db])
    assert "tag all  [message_received/fired]  added=['seen']" in fired.output
    lint = runner.invoke(cli, ["templates", "lint", "--platform", "amazon", "--db", db])
    assert lint.exit_code == 1 and "bad[default] amazon: external link" in lint.output
