"""Keyword matching, 2,000 patterns x 100k multilingual messages: the kernel against pyahocorasick
collecting the same (text, pattern) pairs, and against one compiled ``re`` alternation."""

from __future__ import annotations

import re

import pytest

from crossdesk import native
from crossdesk.native import textfold
from crossdesk.native.automaton import boundary_bits


@pytest.fixture(scope="module")
def matcher(match_data):
    patterns, _ = match_data
    return native.KeywordMatcher(patterns)


@pytest.fixture(scope="module")
def expected(matcher, match_data):
    idx, pid = matcher.match_many(match_data[1])
    return set(zip(idx.tolist(), pid.tolist(), strict=True))


@pytest.mark.benchmark(group="match")
def test_match_native(benchmark, matcher, match_data, expected):
    _, messages = match_data
    idx, pid = benchmark.pedantic(matcher.match_many, args=(messages,), rounds=5, warmup_rounds=1)
    benchmark.extra_info["pairs"] = len(idx)
    assert set(zip(idx.tolist(), pid.tolist(), strict=True)) == expected


def _fold_table() -> dict[int, str]:
    return dict(textfold.tables()[1])


@pytest.mark.benchmark(group="match")
def test_match_pyahocorasick(benchmark, match_data, expected):
    """The same pairs with pyahocorasick: fold each text the same way (str.translate with the same
    table), iterate the automaton, apply the same word-boundary rule, keep each pair once."""
    import ahocorasick

    patterns, messages = match_data
    automaton = ahocorasick.Automaton()
    for pid, p in enumerate(patterns):
        f = textfold.fold(p)
        if f:
            if f in automaton:
                automaton.get(f)[0].append(pid)
            else:
                automaton.add_word(f, ([pid], len(f), boundary_bits(f)))
    automaton.make_automaton()
    table = _fold_table()
    flags = textfold.tables()[0]
    word, mark = textfold.WORD, textfold.MARK

    def run():
        pairs = set()
        for ti, text in enumerate(messages):
            f = text.translate(table)
            n = len(f)
            for end, (pids, length, bound) in automaton.iter(f):
                start = end - length + 1
                if end + 1 < n:
                    after = flags[ord(f[end + 1])]
                    if after & mark or (bound & 2 and after & word):
                        continue
                if bound & 1 and start > 0 and flags[ord(f[start - 1])] & word:
                    continue
                for pid in pids:
                    pairs.add((ti, pid))
        return pairs

    pairs = benchmark.pedantic(run, rounds=1)
    assert pairs == expected


@pytest.mark.benchmark(group="match")
def test_match_re(benchmark, match_data):
    """One compiled alternation (longest first), word patterns inside (?<!\\w)...(?!\\w). It cannot
    report overlapping or nested matches, so it finds fewer pairs; it is a speed baseline only."""
    patterns, messages = match_data
    folded = [textfold.fold(p) for p in patterns]
    ids = {f: i for i, f in reversed(list(enumerate(folded)))}
    words = sorted({re.escape(f) for f in folded if f and boundary_bits(f) == 3}, key=len, reverse=True)
    subs = sorted({re.escape(f) for f in folded if f and boundary_bits(f) != 3}, key=len, reverse=True)
    rx = re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)|" + "|".join(subs))
    table = _fold_table()

    def run():
        pairs = set()
        for ti, text in enumerate(messages):
            for m in rx.finditer(text.translate(table)):
                pairs.add((ti, ids[m.group()]))
        return pairs

    pairs = benchmark.pedantic(run, rounds=1)
    benchmark.extra_info["pairs"] = len(pairs)
