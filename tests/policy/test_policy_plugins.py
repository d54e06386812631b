"""The return-policy hook: built-ins arrive through entry points; third-party policies join the same way."""

from __future__ import annotations

import importlib.metadata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk import hookimpl
from crossdesk.plugin_manager import plugins_manager
from crossdesk.policy import FLAGS, PolicyError, ReturnQuery, Verdict, evaluate_return, load_policies
from crossdesk.testing import make_desk, plugin_registered

BUILTIN = ("eu", "de", "uk", "tr", "ru", "cn", "br", "jp", "kr", "us", "au")
BUILTIN += ("amazon", "ebay", "shopee", "aliexpress", "seller")


def test_hook_crossdesk_return_policies():
    names = {ep.name for ep in importlib.metadata.entry_points(group="crossdesk")}
    assert {f"policy_{n}" for n in BUILTIN} <= names
    desk = make_desk()
    policies = load_policies(desk.pm)
    assert len({p.id for p in policies}) == len(policies) >= len(BUILTIN)
    for policy in policies:
        assert callable(policy.applies) and callable(policy.evaluate) and policy.id


def test_one_policy_can_be_switched_off_by_entry_point_name(monkeypatch):
    monkeypatch.setenv("CROSSDESK_LOAD_PLUGINS", "policy_de")
    ids = {p.id for p in load_policies(plugins_manager())}
    assert ids == {"de.bgb"}


class Generous:
    id = "test.generous"
    kind = "seller"

    def applies(self, query):
        return query.country == "DE"

    def evaluate(self, query):
        return Verdict(
            policy=self.id, eligible=True, deadline=date(2030, 1, 1), basis="test policy", kind=self.kind
        )

    @hookimpl
    def crossdesk_return_policies(self):
        return [self]


def test_a_registered_plugin_takes_part_and_the_best_wins():
    desk = make_desk()
    query = ReturnQuery(country="DE", delivered=[date(2025, 3, 10)], requested=date(2025, 4, 1))
    assert not evaluate_return(query, pm=desk.pm).eligible
    with plugin_registered(desk.pm, Generous()):
        verdict = evaluate_return(query, pm=desk.pm)
    assert verdict.eligible and verdict.policy == "test.generous"
    assert [v.policy for v in verdict.considered][-2:] == ["eu.crd", "de.bgb"]


def test_a_broken_policy_is_named():
    class Broken:
        id = "test.broken"

        def applies(self, query):
            return True

        def evaluate(self, query):
            raise KeyError("oops")

    with pytest.raises(PolicyError, match=r"test\.broken"):
        evaluate_return(ReturnQuery(country="DE"), policies=[Broken()])


dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=120, deadline=None)
@given(
    country=st.sampled_from(["DE", "FR", "GB", "TR", "RU", "CN", "BR", "JP", "KR", "AU", "US", "ZA", None]),
    platform=st.sampled_from([None, "amazon", "ebay", "shopee", "aliexpress", "shopify"]),
    delivered=st.lists(dates, max_size=3),
    requested=dates,
    informed=st.one_of(st.booleans(), dates),
    flags=st.frozensets(st.sampled_from(sorted(FLAGS)), max_size=2),
    seller=st.one_of(st.none(), st.sampled_from([0, 14, 30, 60])),
)
def test_any_query_gets_an_explained_verdict_and_a_later_notice_is_never_better(
    policies, country, platform, delivered, requested, informed, flags, seller
):
    base = dict(
        country=country,
        platform=platform,
        delivered=delivered,
        informed=informed,
        flags=flags,
        seller_policy_days=seller,
        ordered=min(delivered) if delivered else None,
    )
    verdict = evaluate_return(ReturnQuery(**base, requested=requested), policies=policies)
    assert verdict.reasons and verdict.basis and verdict.considered[0].policy == verdict.policy
    if verdict.eligible and verdict.deadline is not None:
        assert requested <= verdict.deadline
    if not verdict.eligible and verdict.deadline is not None:
        earlier = evaluate_return(ReturnQuery(**base, requested=verdict.deadline), policies=policies)
        assert earlier.deadline >= verdict.deadline
    later = evaluate_return(
        ReturnQuery(**base, requested=date.fromordinal(requested.toordinal() + 30)), policies=policies
    )
    assert not (later.eligible and not verdict.eligible and later.deadline is not None)
