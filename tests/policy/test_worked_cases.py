"""Worked legal cases with real dates, one block per regime.

Every expected date here was worked out by hand from the legal text and a calendar, not read back from
the engine: a wrong roll-over, a wrong start day or a missed holiday fails a test.
"""

from datetime import date

import orjson
import pytest

from crossdesk.policy import QueryError, ReturnQuery, Verdict, evaluate_return


@pytest.fixture
def ev(policies):
    def run(**kw):
        kw.setdefault("country", "DE")
        if "flags" in kw:
            kw["flags"] = frozenset(kw["flags"])
        return evaluate_return(ReturnQuery(**kw), policies=policies)

    return run


def only(verdict: Verdict, policy: str) -> Verdict:
    (found,) = [v for v in verdict.considered if v.policy == policy]
    return found


# ---- EU / Germany -------------------------------------------------------------------------------------


def test_issue_example_christmas_and_weekend_roll_over(ev):
    # Delivered Fri 12 Dec 2025; day 14 is Fri 26 Dec (Second Day of Christmas), then a weekend: Mon 29.
    v = ev(ordered=date(2025, 12, 1), delivered=[date(2025, 12, 12)], requested=date(2025, 12, 29))
    assert v.eligible and v.deadline == date(2025, 12, 29) and not v.extended
    assert v.basis == "EU 2011/83/EU art. 9"
    bgb = only(v, "de.bgb")
    assert bgb.deadline == date(2025, 12, 29) and any("§ 193" in r for r in bgb.reasons)
    assert any("1182/71 art. 3(4)" in r for r in v.reasons)
    late = ev(delivered=[date(2025, 12, 12)], requested=date(2025, 12, 30))
    assert not late.eligible and late.deadline == date(2025, 12, 29)


def test_day_14_on_a_sunday_rolls_to_monday(ev):
    v = ev(delivered=[date(2025, 6, 1)], requested=date(2025, 6, 16))  # 15 June 2025 is a Sunday
    assert v.eligible and v.deadline == date(2025, 6, 16)


def test_day_14_on_a_saturday_rolls_to_monday(ev):
    v = ev(delivered=[date(2025, 10, 4)], requested=date(2025, 10, 21))  # 18 Oct 2025 is a Saturday
    assert v.deadline == date(2025, 10, 20) and not v.eligible


def test_day_14_on_easter_monday(ev):
    v = ev(delivered=[date(2026, 3, 23)], requested=date(2026, 4, 7))  # 6 April 2026 is Easter Monday
    assert v.eligible and v.deadline == date(2026, 4, 7)
    assert any("Easter Monday" in r for r in v.reasons)


def test_bavarian_epiphany_only_for_a_bavarian_buyer(ev):
    delivered = [date(2025, 12, 23)]  # day 14 is Tue 6 Jan 2026, Epiphany in Bavaria, not in Berlin
    assert ev(delivered=delivered, region="BY").deadline == date(2026, 1, 7)
    assert ev(delivered=delivered, region="DE-BY").deadline == date(2026, 1, 7)
    assert ev(delivered=delivered, region="BE").deadline == date(2026, 1, 6)
    assert ev(delivered=delivered).deadline == date(2026, 1, 6)


def test_two_parcels_run_from_the_last(ev):
    v = ev(delivered=[date(2025, 3, 10), date(2025, 3, 3)], requested=date(2025, 3, 20))
    assert v.eligible and v.deadline == date(2025, 3, 24) and v.period_start == date(2025, 3, 10)
    assert any("art. 9(2)(b)(i)" in r for r in v.reasons)


def test_regular_delivery_runs_from_the_first_good(ev):
    v = ev(
        delivered=[date(2025, 3, 3), date(2025, 3, 10)], regular_delivery=True, requested=date(2025, 3, 20)
    )
    assert v.deadline == date(2025, 3, 17) and not v.eligible
    assert any("9(2)(b)(iii)" in r for r in v.reasons)


def test_not_informed_extends_by_twelve_months(ev):
    v = ev(delivered=[date(2025, 3, 10)], informed=False, requested=date(2026, 3, 24))
    assert v.eligible and v.extended and v.deadline == date(2026, 3, 24)
    assert v.basis == "EU 2011/83/EU art. 10"
    assert any("art. 10(1)" in r for r in v.reasons)
    assert any("§ 356(3)" in r for r in only(v, "de.bgb").reasons)
    assert not ev(delivered=[date(2025, 3, 10)], informed=False, requested=date(2026, 3, 25)).eligible


def test_informed_late_within_twelve_months_gives_14_days_from_the_information(ev):
    v = ev(delivered=[date(2025, 3, 10)], informed=date(2025, 6, 2), requested=date(2025, 6, 16))
    assert v.eligible and v.extended and v.deadline == date(2025, 6, 16)
    assert any("art. 10(2)" in r for r in v.reasons)
    assert not ev(
        delivered=[date(2025, 3, 10)], informed=date(2025, 6, 2), requested=date(2025, 6, 17)
    ).eligible


def test_informed_after_twelve_months_keeps_the_twelve_month_extension(ev):
    v = ev(delivered=[date(2025, 3, 10)], informed=date(2026, 4, 1), requested=date(2026, 3, 20))
    assert v.eligible and v.deadline == date(2026, 3, 24)


def test_informed_on_the_day_of_delivery_is_informed(ev):
    v = ev(delivered=[date(2025, 3, 10)], informed=date(2025, 3, 10), requested=date(2025, 3, 25))
    assert not v.eligible and not v.extended and v.deadline == date(2025, 3, 24)


def test_french_national_day_rolls_over(ev):
    v = ev(country="FR", delivered=[date(2025, 6, 30)], requested=date(2025, 7, 15))  # 14 July 2025 (Mon)
    assert v.eligible and v.deadline == date(2025, 7, 15)


def test_polish_independence_day_rolls_over(ev):
    v = ev(country="PL", delivered=[date(2025, 10, 28)], requested=date(2025, 11, 12))  # 11 Nov 2025 (Tue)
    assert v.eligible and v.deadline == date(2025, 11, 12)


def test_eea_member_norway(ev):
    v = ev(country="NO", delivered=[date(2025, 5, 3)], requested=date(2025, 5, 19))
    # day 14 is Sat 17 May 2025, Constitution Day and a Saturday; Sunday 18; Monday 19
    assert v.eligible and v.deadline == date(2025, 5, 19)


@pytest.mark.parametrize(
    "flag, article",
    [
        ("custom_made", "art. 16(c)"),
        ("perishable", "art. 16(d)"),
        ("sealed_hygiene_opened", "art. 16(e)"),
        ("sealed_media_opened", "art. 16(i)"),
        ("newspaper", "art. 16(j)"),
    ],
)
def test_art_16_exceptions(ev, flag, article):
    v = ev(country="FR", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 11), flags={flag})
    assert not v.eligible and v.deadline is None and v.exception == flag
    assert any(article in r for r in v.reasons)


def test_a_newspaper_subscription_is_not_excepted(ev):
    v = ev(
        country="FR",
        delivered=[date(2025, 3, 3), date(2025, 3, 10)],
        regular_delivery=True,
        requested=date(2025, 3, 11),
        flags={"newspaper"},
    )
    assert v.eligible and v.deadline == date(2025, 3, 17)


def test_an_exception_does_not_hide_the_conformity_guarantee(ev):
    v = ev(
        country="FR",
        delivered=[date(2025, 3, 10)],
        requested=date(2025, 3, 11),
        flags={"custom_made", "faulty"},
    )
    assert not v.eligible and any("2019/771" in r for r in v.reasons)


def test_refund_due_14_days_from_notice_and_may_be_withheld(ev):
    v = ev(country="FR", delivered=[date(2025, 6, 30)], requested=date(2025, 7, 1))
    assert v.refund_due == date(2025, 7, 15) and v.refund_withhold and v.return_by == date(2025, 7, 15)
    assert any("art. 13(1)" in r for r in v.reasons) and any("art. 13(3)" in r for r in v.reasons)


def test_withdrawal_before_delivery(ev):
    v = ev(delivered=[], requested=date(2025, 12, 3))
    assert v.eligible and v.deadline is None and any("9(3)" in r for r in v.reasons)


# ---- United Kingdom -------------------------------------------------------------------------------------


def test_uk_counts_calendar_days_without_roll_over(ev):
    v = ev(country="GB", delivered=[date(2025, 12, 12)], requested=date(2025, 12, 29))
    assert v.deadline == date(2025, 12, 26) and not v.eligible  # Boxing Day, no roll-over
    assert "reg." in v.basis


def test_uk_not_informed(ev):
    v = ev(country="UK", delivered=[date(2025, 3, 10)], informed=False, requested=date(2026, 3, 1))
    assert v.eligible and v.extended and v.deadline == date(2026, 3, 24) and "reg. 31" in v.basis


def test_uk_short_term_right_to_reject_30_days(ev):
    v = ev(country="GB", delivered=[date(2025, 12, 12)], requested=date(2026, 1, 11), flags={"faulty"})
    assert v.eligible and v.deadline == date(2026, 1, 11) and v.basis == "UK CRA 2015 s22"
    assert not ev(
        country="GB", delivered=[date(2025, 12, 12)], requested=date(2026, 1, 12), flags={"faulty"}
    ).eligible


# ---- Turkey, Russia, China, Brazil, Japan, Korea ----------------------------------------------------


def test_turkey_republic_day_and_one_year_extension(ev):
    v = ev(country="TR", delivered=[date(2025, 10, 15)], requested=date(2025, 10, 30))
    assert v.eligible and v.deadline == date(2025, 10, 30)  # 29 Oct is Republic Day
    ext = ev(country="TR", delivered=[date(2025, 10, 15)], informed=False, requested=date(2026, 6, 1))
    assert ext.eligible and ext.extended and ext.deadline == date(2026, 10, 30)


def test_russia_seven_days_over_new_year_and_three_months_uninformed(ev):
    v = ev(country="RU", delivered=[date(2025, 12, 25)], requested=date(2026, 1, 12))
    assert v.eligible and v.deadline == date(2026, 1, 12)  # 1-9 January 2026 are days off
    ext = ev(country="RU", delivered=[date(2025, 12, 25)], informed=False, requested=date(2026, 3, 25))
    assert ext.eligible and ext.extended and ext.deadline == date(2026, 3, 25)
    assert not ev(
        country="RU", delivered=[date(2025, 12, 25)], informed=False, requested=date(2026, 3, 26)
    ).eligible
    assert not ev(country="RU", delivered=[date(2025, 12, 25)], flags={"custom_made"}).eligible


def test_china_seven_days_over_golden_week(ev):
    v = ev(country="CN", delivered=[date(2025, 9, 28)], requested=date(2025, 10, 9))
    assert v.eligible and v.deadline == date(2025, 10, 9)  # 5 Oct falls in the 1-8 Oct holiday
    plain = ev(country="CN", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 18))
    assert plain.deadline == date(2025, 3, 17) and not plain.eligible


@pytest.mark.parametrize("flag", ["custom_made", "perishable", "sealed_media_opened", "newspaper"])
def test_china_art_25_exceptions(ev, flag):
    v = ev(country="CN", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 11), flags={flag})
    assert not v.eligible and any("art. 25" in r for r in v.reasons)


def test_brazil_black_consciousness_day_rolls_over(ev):
    v = ev(country="BR", delivered=[date(2025, 11, 13)], requested=date(2025, 11, 21))
    assert v.eligible and v.deadline == date(2025, 11, 21) and v.basis == "BR CDC art. 49"
    assert ev(country="BR", delivered=[date(2025, 3, 7)]).deadline == date(2025, 3, 14)  # a Friday: no roll
    assert ev(country="BR", delivered=[date(2025, 3, 8)]).deadline == date(2025, 3, 17)  # Sat 15 -> Mon 17


def test_japan_eight_days_counting_delivery_or_the_sellers_clause(ev):
    v = ev(country="JP", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 17))
    assert v.eligible and v.deadline == date(2025, 3, 17) and "15-3" in v.basis
    assert not ev(country="JP", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 18)).eligible
    clause = ev(
        country="JP", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 20), seller_policy_days=14
    )
    assert clause.eligible and clause.kind == "seller" and clause.deadline == date(2025, 3, 24)
    assert not only(clause, "jp.tokusho").eligible


def test_korea_chuseok_roll_over_and_three_months_for_goods_not_as_described(ev):
    v = ev(country="KR", delivered=[date(2025, 9, 30)], requested=date(2025, 10, 10))
    assert v.eligible and v.deadline == date(2025, 10, 10)  # 7 Oct Chuseok, 8 substitute, 9 Hangul Day
    nad = ev(
        country="KR",
        delivered=[date(2025, 3, 10)],
        requested=date(2025, 6, 10),
        flags={"not_as_described", "sealed_media_opened"},
    )
    assert nad.eligible and nad.deadline == date(2025, 6, 10) and "17(3)" in nad.basis


# ---- USA and Australia -------------------------------------------------------------------------------


def test_california_30_days_from_purchase_when_no_policy_is_posted(ev):
    v = ev(
        country="US",
        region="CA",
        ordered=date(2025, 3, 1),
        delivered=[date(2025, 3, 10)],
        requested=date(2025, 3, 31),
    )
    assert v.eligible and v.deadline == date(2025, 3, 31) and "1723" in v.basis
    posted = ev(
        country="US",
        region="CA",
        ordered=date(2025, 3, 1),
        delivered=[date(2025, 3, 10)],
        seller_policy_days=14,
    )
    assert posted.kind == "seller" and not only(posted, "us.state").eligible


def test_usa_without_a_state_says_what_is_missing(ev):
    v = ev(country="US", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 12))
    assert not v.eligible and "region" in v.missing
    tx = ev(country="US", region="TX", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 12))
    assert not tx.eligible and "no statutory right" in tx.basis


def test_australia_no_change_of_mind_but_consumer_guarantees(ev):
    assert not ev(country="AU", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 12)).eligible
    v = ev(country="AU", delivered=[date(2025, 3, 10)], requested=date(2025, 9, 12), flags={"faulty"})
    assert v.eligible and v.deadline is None and "ACL" in v.basis


# ---- platforms and the most favourable answer ---------------------------------------------------------


def test_amazon_holiday_extension_beats_the_law(ev):
    v = ev(
        platform="amazon",
        ordered=date(2025, 12, 1),
        delivered=[date(2025, 12, 12)],
        requested=date(2026, 1, 20),
    )
    assert v.eligible and v.deadline == date(2026, 1, 31) and v.basis == "Amazon return policy"
    assert v.considered[0].policy == "amazon.returns"
    assert {"eu.crd", "de.bgb"} <= {x.policy for x in v.considered}
    assert not only(v, "eu.crd").eligible


def test_amazon_thirty_days_outside_the_holidays(ev):
    v = ev(
        country="US", region="TX", platform="amazon", ordered=date(2025, 10, 1), delivered=[date(2025, 10, 5)]
    )
    assert v.deadline == date(2025, 11, 4)


def test_ebay_seller_policy_and_money_back_guarantee(ev):
    base = dict(country="US", region="TX", platform="ebay", delivered=[date(2025, 3, 10)])
    assert ev(**base, seller_policy_days=60).deadline == date(2025, 5, 9)
    none = ev(**base, seller_policy_days=0, requested=date(2025, 3, 12))
    assert not none.eligible
    mbg = ev(**base, seller_policy_days=0, requested=date(2025, 4, 9), flags={"not_as_described"})
    assert mbg.eligible and mbg.deadline == date(2025, 4, 9) and mbg.basis == "eBay Money Back Guarantee"


def test_shopee_and_aliexpress_fifteen_days(ev):
    sg = ev(country="SG", platform="shopee", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 25))
    assert sg.eligible and sg.deadline == date(2025, 3, 25) and "Shopee" in sg.basis
    ali = ev(country="SG", platform="aliexpress", delivered=[date(2025, 3, 10)], flags={"faulty"})
    assert ali.deadline == date(2025, 3, 25) and "AliExpress" in ali.basis


def test_shop_policy_longer_than_the_law_wins(ev):
    v = ev(country="FR", delivered=[date(2025, 3, 10)], requested=date(2025, 4, 1), seller_policy_days=30)
    assert v.eligible and v.kind == "seller" and v.deadline == date(2025, 4, 9)
    assert not only(v, "eu.crd").eligible


def test_every_applying_policy_is_listed_best_first(ev):
    v = ev(platform="amazon", ordered=date(2025, 3, 1), delivered=[date(2025, 3, 10)], seller_policy_days=20)
    deadlines = [x.deadline for x in v.considered]
    assert deadlines == sorted(deadlines, reverse=True)
    assert {x.policy for x in v.considered} == {"amazon.returns", "seller.policy", "eu.crd", "de.bgb"}
    assert all(x.reasons for x in v.considered)


# ---- unknown and missing ---------------------------------------------------------------------------------


def test_unknown_country_is_not_guessed(ev):
    v = ev(country="ZA", delivered=[date(2025, 3, 10)], requested=date(2025, 3, 12))
    assert not v.eligible and v.deadline is None and v.missing and v.kind == "none"


def test_missing_country(ev):
    v = ev(country=None, delivered=[date(2025, 3, 10)])
    assert not v.eligible and v.missing == ("country",)


def test_missing_delivery_for_a_regime_that_counts_from_it(ev):
    v = ev(country="CN", delivered=[], requested=date(2025, 3, 12))
    assert not v.eligible and "delivered" in v.missing


def test_bad_input_is_a_clear_error():
    with pytest.raises(QueryError, match="unknown flag"):
        ReturnQuery(country="DE", flags=frozenset({"broken"}))
    with pytest.raises(QueryError, match="not a date"):
        ReturnQuery(country="DE", delivered=["2025-13-40"])


def test_verdict_round_trips_through_json(ev):
    v = ev(
        platform="amazon",
        ordered=date(2025, 12, 1),
        delivered=[date(2025, 12, 12)],
        requested=date(2025, 12, 20),
    )
    data = orjson.loads(orjson.dumps(v.to_dict()))
    assert Verdict.from_dict(data) == v
    assert data["deadline"] == "2026-01-31" and len(data["considered"]) == len(v.considered)


def test_amazon_holiday_season_by_order_or_shipment(ev):
    late_oct = ev(platform="amazon", ordered=date(2025, 10, 30), delivered=[date(2025, 11, 4)])
    assert late_oct.deadline == date(2026, 1, 31)  # shipped in November at the latest
    january = ev(platform="amazon", ordered=date(2026, 1, 2), delivered=[date(2026, 1, 5)])
    assert january.deadline == date(2026, 2, 4)


def test_the_query_needs_only_what_it_has(policies):
    v = evaluate_return(ReturnQuery(delivered=[date(2025, 3, 10)]), policies=policies)
    assert not v.eligible and v.missing == ("country",)


@pytest.mark.parametrize(
    "country, flag, cite",
    [
        ("TR", "sealed_hygiene_opened", "art. 15(1)(ç)"),
        ("TR", "newspaper", "art. 15(1)(f)"),
        ("GB", "custom_made", "reg. 28(1)(b)"),
        ("GB", "sealed_media_opened", "reg. 28(3)(b)"),
        ("DE", "perishable", "§ 312g(2) Nr. 2"),
        ("KR", "sealed_media_opened", "art. 17(2) item 4"),
        ("CN", "sealed_hygiene_opened", "Interim Measures art. 7"),
        ("US", "perishable", "§ 1723(c)"),
    ],
)
def test_national_exceptions_cite_their_article(ev, country, flag, cite):
    v = ev(
        country=country,
        region="CA" if country == "US" else None,
        ordered=date(2025, 3, 1),
        delivered=[date(2025, 3, 10)],
        requested=date(2025, 3, 11),
        flags={flag},
    )
    assert not v.eligible
    assert any(cite in r for x in v.considered for r in x.reasons)


def test_uk_perishable_faulty_goods_have_no_fixed_count(ev):
    v = ev(
        country="GB",
        delivered=[date(2025, 3, 10)],
        requested=date(2025, 3, 12),
        flags={"faulty", "perishable"},
    )
    cra = only(v, "uk.cra.s22")
    assert cra.eligible and cra.deadline is None and any("s22(4)" in r for r in cra.reasons)


def test_platform_exceptions_and_missing_delivery(ev):
    assert not ev(
        country="SG", platform="shopee", delivered=[date(2025, 3, 10)], flags={"perishable"}
    ).eligible
    faulty = ev(
        country="SG", platform="shopee", delivered=[date(2025, 3, 10)], flags={"perishable", "faulty"}
    )
    assert faulty.eligible and faulty.deadline == date(2025, 3, 25)
    ebay = only(ev(country="US", region="TX", platform="ebay", delivered=[]), "ebay.returns")
    assert not ebay.eligible and "estimated delivery date" in ebay.missing
    amazon = only(
        ev(platform="amazon", delivered=[date(2025, 3, 10)], flags={"custom_made"}), "amazon.returns"
    )
    assert not amazon.eligible and amazon.exception == "custom_made"


def test_unknown_information_matters_only_when_it_changes_the_answer(ev):
    in_time = ev(delivered=[date(2025, 3, 10)], informed=None, requested=date(2025, 3, 20))
    assert in_time.eligible and not in_time.missing
    late = ev(country="FR", delivered=[date(2025, 3, 10)], informed=None, requested=date(2025, 4, 20))
    assert not late.eligible and "informed" in late.missing and late.deadline == date(2025, 3, 24)
    assert ReturnQuery(country="FR", informed=None).to_dict()["informed"] is None


def test_uk_refund_before_delivery_counts_from_the_notice(ev):
    v = ev(country="GB", delivered=[], requested=date(2025, 3, 3))
    assert v.eligible and v.refund_from == "notice" and v.refund_due == date(2025, 3, 17)
    after = ev(country="GB", delivered=[date(2025, 3, 1)], requested=date(2025, 3, 3))
    assert after.refund_from == "receipt" and after.refund_due is None and after.refund_days == 14
