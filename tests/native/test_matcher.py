from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.native import reference

# A small alphabet that mixes scripts, case, compatibility and composed forms, marks, separators, emoji,
# a lone surrogate: random patterns over it overlap, nest and repeat often.
ALPHABET = [
    *"abAB ß-é'_1",
    "e\u0301",
    "\u0301",
    "Ａ",
    "ｂ",
    "中",
    "文",
    "カ",
    "ｶ",
    "ﾞ",
    "ガ",
    "ก",
    "\u0e34",
    "한",
    "😀",
    "\ud800",
    "ﬁ",
    "İ",
    "\u3000",
]
pieces = st.lists(st.sampled_from(ALPHABET), max_size=5).map("".join)
texts_st = st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join)


def matcher_pair(kern, patterns, ignore_case=True):
    return kern.KeywordMatcher(patterns, ignore_case=ignore_case), reference.KeywordMatcher(
        patterns, ignore_case=ignore_case
    )


@settings(settings.get_profile("native"))
@given(
    patterns=st.lists(pieces, max_size=10).flatmap(lambda ps: st.just(ps + ps[:2])),
    texts=st.lists(texts_st, max_size=8),
    ignore_case=st.booleans(),
)
def test_find_and_match_many_match_reference(kern, patterns, texts, ignore_case):
    got, want = matcher_pair(kern, patterns, ignore_case)
    for text in texts:
        assert got.find(text) == want.find(text), text
    g_idx, g_pat = got.match_many(texts)
    w_idx, w_pat = want.match_many(texts)
    assert g_idx.dtype == np.int64 and g_pat.dtype == np.int32
    np.testing.assert_array_equal(g_idx, w_idx)
    np.testing.assert_array_equal(g_pat, w_pat)


@settings(settings.get_profile("native"), max_examples=30)
@given(patterns=st.lists(pieces, min_size=1, max_size=6), texts=st.lists(texts_st, min_size=1, max_size=5))
def test_match_many_threads_agree_with_one_thread(kern, patterns, texts):
    # Enough texts to take the multi-threaded path.
    many = texts * 2000
    got, want = matcher_pair(kern, patterns)
    idx, pat = got.match_many(many)
    w_idx, w_pat = want.match_many(texts)
    reps = len(texts)
    expect_idx = np.concatenate([w_idx + k * reps for k in range(2000)]) if len(w_idx) else w_idx
    np.testing.assert_array_equal(idx, expect_idx)
    np.testing.assert_array_equal(pat, np.tile(w_pat, 2000))


def test_case_width_and_composition_fold(kern):
    m = kern.KeywordMatcher(["refund", "café", "straße", "返金", "ｶﾞｲﾄﾞ"])
    text = "REFUND for the ＣＡＦＥ\u0301 on Strasse; 返金 please, ガイド"
    assert [(text[s:e], p) for s, e, p in m.find(text)] == [
        ("REFUND", 0),
        ("ＣＡＦＥ\u0301", 1),
        ("Strasse", 2),
        ("返金", 3),
        ("ガイド", 4),
    ]


def test_whole_words_for_spaced_scripts_substrings_for_cjk_and_thai(kern):
    m = kern.KeywordMatcher(["refund", "退款", "คืนเงิน", "환불"])
    assert m.find("refunds refunded prerefund") == []
    assert [p for _, _, p in m.find("I want a refund.")] == [0]
    assert [p for _, _, p in m.find("我要退款了")] == [1]
    assert [p for _, _, p in m.find("ขอคืนเงินครับ")] == [2]
    assert [p for _, _, p in m.find("환불해 주세요")] == [3]


def test_overlapping_nested_and_repeated_patterns(kern):
    m = kern.KeywordMatcher(["charge back", "back", "charge", "charge", "ch"])
    assert m.find("charge back") == [(0, 6, 2), (0, 6, 3), (0, 11, 0), (7, 11, 1)]
    idx, pat = m.match_many(["charge back", "", "back back", "nothing"])
    assert idx.tolist() == [0, 0, 0, 0, 2] and pat.tolist() == [0, 1, 2, 3, 1]


def test_kana_match_does_not_end_inside_a_voiced_mark(kern):
    m = kern.KeywordMatcher(["カ"])
    assert m.find("ガ") == [] and m.find("カ") == [(0, 1, 0)]


def test_empty_patterns_and_texts(kern):
    m = kern.KeywordMatcher(["", "a"])
    assert m.find("") == [] and m.find("a") == [(0, 1, 1)]
    idx, pat = kern.KeywordMatcher([]).match_many(["abc", ""])
    assert len(idx) == len(pat) == 0


def test_emoji_and_lone_surrogates(kern):
    m = kern.KeywordMatcher(["😡", "bad"])
    assert m.find("so 😡😡 bad\ud800") == [(3, 4, 0), (4, 5, 0), (6, 9, 1)]


def test_ignore_case_off_keeps_case_but_folds_width(kern):
    m = kern.KeywordMatcher(["PayPal"], ignore_case=False)
    assert m.find("paypal") == [] and m.find("ＰａｙＰａｌ") == [(0, 6, 0)]


def test_non_str_input_fails_clearly(kern):
    m = kern.KeywordMatcher(["a"])
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        m.match_many(["a", None])
    with pytest.raises(TypeError):
        m.find(b"a")
    with pytest.raises(TypeError, match=r"patterns\[0\]"):
        kern.KeywordMatcher([1])
