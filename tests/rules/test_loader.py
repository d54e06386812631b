"""Rules load from TOML or JSON and every mistake is one clear line naming the rule."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from crossdesk.rules import RuleError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rules.toml"


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_file_loads_with_at_least_ten_rules(h):
    rules = h.desk.rules.read_file(EXAMPLES)
    assert len(rules) >= 10
    assert {r.event for r in rules} >= {"message_received", "ticket_created", "time", "ticket_updated"}
    ids = h.desk.rules.load_file(h.admin, EXAMPLES)
    assert len(ids) == len(rules)
    assert [r.name for r in h.desk.rules.list(h.admin)] == [r.name for r in rules]


def test_toml_and_json_give_the_same_rule(h, tmp_path):
    toml = _toml(
        tmp_path,
        """
[[rules]]
name = "tag returns"
event = "message_received"
all = [{ field = "intents", op = "contains", value = "return_request" }]
actions = [{ action = "add_tag", tag = "return" }]
""",
    )
    json_path = tmp_path / "rules.json"
    json_path.write_bytes(
        orjson.dumps(
            {
                "rules": [
                    {
                        "name": "tag returns",
                        "event": "message_received",
                        "conditions": {
                            "all": [{"field": "intents", "op": "contains", "value": "return_request"}]
                        },
                        "actions": [{"action": "add_tag", "tag": "return"}],
                    }
                ]
            }
        )
    )
    assert h.desk.rules.read_file(toml) == h.desk.rules.read_file(json_path)


def test_loading_is_all_or_nothing(h, tmp_path):
    path = _toml(
        tmp_path,
        """
[[rules]]
name = "good"
event = "ticket_created"
actions = [{ action = "add_tag", tag = "x" }]

[[rules]]
name = "bad"
event = "ticket_created"
actions = [{ action = "set_status", value = "archived" }]
""",
    )
    with pytest.raises(RuleError, match=r"'bad'.*unknown ticket status 'archived'"):
        h.desk.rules.load_file(h.admin, path)
    assert h.desk.rules.list(h.admin) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "r"\nevent = "on_sunday"\nactions = [{action="escalate"}]', "event must be one of"),
        ('name = "r"\nevent = "time"\nactions = []', "non-empty 'actions'"),
        ('event = "time"\nactions = [{action="escalate"}]', "needs a name"),
        ('name = "r"\nevent = "time"\nactions = [{action="launch"}]', "unknown action 'launch'"),
        ('name = "r"\nevent = "time"\nactions = [{action="add_tag"}]', "needs tag"),
        (
            'name = "r"\nevent = "time"\nactions = [{action="add_tag", tag="x", colour="red"}]',
            "takes no 'colour'",
        ),
        (
            'name = "r"\nevent = "time"\nactions = [{action="set_priority", value="asap"}]',
            "unknown priority 'asap'",
        ),
        (
            'name = "r"\nevent = "time"\nactions = [{action="open_case", type="gift"}]',
            "unknown case type 'gift'",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="colour", op="is", value="red"}]\nactions = [{action="escalate"}]',
            "unknown field 'colour'",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="platform", op="like", value="a"}]\nactions = [{action="escalate"}]',
            "unknown operator 'like'",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="platform", op="in", value="amazon"}]\nactions = [{action="escalate"}]',
            "needs a list",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="order_value", op="gt", value="lots"}]\nactions = [{action="escalate"}]',
            "needs a number",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="platform", op="gt", value=3}]\nactions = [{action="escalate"}]',
            "compares numbers",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="tier", op="is", value="gold"}]\nactions = [{action="escalate"}]',
            "unknown tier 'gold'",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="keywords", op="is", value="x"}]\nactions = [{action="escalate"}]',
            "keywords are tested with",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="country", op="changed"}]\nactions = [{action="escalate"}]',
            "cannot be tested with 'changed'",
        ),
        (
            'name = "r"\nevent = "time"\nall = [{field="platform", op="is"}]\nactions = [{action="escalate"}]',
            "needs a value",
        ),
        ('name = "r"\nevent = "time"\nsome = []\nactions = [{action="escalate"}]', "unknown key 'some'"),
        (
            'name = "r"\nevent = "time"\nposition = "first"\nactions = [{action="escalate"}]',
            "position must be an integer",
        ),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_line(h, tmp_path, body, message):
    path = _toml(tmp_path, "[[rules]]\n" + body + "\n")
    with pytest.raises(RuleError, match=message) as info:
        h.desk.rules.read_file(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_file_level_errors(h, tmp_path):
    with pytest.raises(RuleError, match="no such file"):
        h.desk.rules.read_file(tmp_path / "missing.toml")
    with pytest.raises(RuleError, match="not valid TOML"):
        h.desk.rules.read_file(_toml(tmp_path, "[[rules]\nname ="))
    dup = _toml(
        tmp_path,
        '[[rules]]\nname = "a"\nevent = "time"\nactions = [{action="escalate"}]\n' * 2,
    )
    with pytest.raises(RuleError, match="two rules are named 'a'"):
        h.desk.rules.read_file(dup)
    with pytest.raises(RuleError, match="unknown top-level key 'rule'"):
        h.desk.rules.read_file(_toml(tmp_path, '[[rule]]\nname = "a"\n'))


def test_loading_again_updates_by_name_and_replace_drops_the_rest(h, tmp_path):
    first = _toml(
        tmp_path,
        '[[rules]]\nname = "a"\nevent = "time"\nactions = [{action="escalate"}]\n'
        '[[rules]]\nname = "b"\nevent = "time"\nactions = [{action="escalate"}]\n',
    )
    ids = h.desk.rules.load_file(h.admin, first)
    second = tmp_path / "second.toml"
    second.write_text(
        '[[rules]]\nname = "a"\nevent = "time"\nposition = 99\nactions = [{action="escalate"}]\n'
    )
    assert h.desk.rules.load_file(h.admin, second, replace=True) == ids[:1]
    (only,) = h.desk.rules.list(h.admin)
    assert (only.name, only.position) == ("a", 99)


def test_flag_names_from_classification(h):
    from crossdesk.classify import FLAG_CHARGEBACK

    rule = h.desk.rules.parse(
        {
            "name": "cb",
            "event": "time",
            "all": [{"field": "flags", "op": "has_bits", "value": "chargeback"}],
            "actions": [{"action": "escalate"}],
        }
    )
    assert rule.conditions.all[0].value == FLAG_CHARGEBACK
    with pytest.raises(RuleError, match="unknown flag 'fraud'"):
        h.desk.rules.parse(
            {
                "name": "x",
                "event": "time",
                "all": [{"field": "flags", "op": "has_bits", "value": "fraud"}],
                "actions": [{"action": "escalate"}],
            }
        )
