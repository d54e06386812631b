from datetime import date

import crossdesk_ch_returns

from crossdesk.policy import ReturnQuery, evaluate_return, load_policies
from crossdesk.testing import make_desk


def test_plugin_registers_its_hook():
    desk = make_desk(crossdesk_ch_returns, builtins=False)
    assert [c.name for c in desk.pm.get_hookcallers(crossdesk_ch_returns)] == ["crossdesk_return_policies"]


def test_change_of_mind_has_no_statutory_right_but_the_shop_policy_counts():
    query = ReturnQuery(
        country="CH",
        ordered=date(2025, 12, 1),
        delivered=[date(2025, 12, 4)],
        requested=date(2025, 12, 10),
        seller_policy_days=30,
    )
    law = crossdesk_ch_returns.SwissLaw().evaluate(query)
    assert not law.eligible and "art. 40a" in law.basis
    desk = make_desk(crossdesk_ch_returns)  # the built-in policies (the shop's own among them) and this one
    verdict = evaluate_return(query, policies=load_policies(desk.pm))
    assert verdict.eligible and verdict.kind == "seller"  # the shop's own 30 days
    assert any(v.policy == "ch-law" for v in verdict.considered)


def test_defects_fall_under_the_two_year_warranty():
    query = ReturnQuery(
        country="CH", delivered=[date(2024, 1, 10)], requested=date(2025, 12, 1), flags=frozenset({"faulty"})
    )
    assert crossdesk_ch_returns.SwissLaw().evaluate(query).eligible
    late = ReturnQuery(
        country="CH", delivered=[date(2023, 1, 10)], requested=date(2025, 12, 1), flags=frozenset({"faulty"})
    )
    assert not crossdesk_ch_returns.SwissLaw().evaluate(late).eligible
