"""Shared bench data, built once per session (sizes from the performance budget in docs/architecture.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import corpus

SCORE_N = int(os.environ.get("CROSSDESK_BENCH_SCORE_N", 10_000_000))
MATCH_PATTERNS = int(os.environ.get("CROSSDESK_BENCH_PATTERNS", 2000))
MATCH_MESSAGES = int(os.environ.get("CROSSDESK_BENCH_MESSAGES", 100_000))
ASSIGN_TICKETS = int(os.environ.get("CROSSDESK_BENCH_TICKETS", 100_000))
ASSIGN_AGENTS = int(os.environ.get("CROSSDESK_BENCH_AGENTS", 500))
RESCORE_N = int(os.environ.get("CROSSDESK_BENCH_RESCORE_N", 1_000_000))


@pytest.fixture(scope="session")
def score_cols():
    return corpus.score_columns(SCORE_N)


@pytest.fixture(scope="session")
def match_data():
    return corpus.match_corpus(MATCH_PATTERNS, MATCH_MESSAGES)


@pytest.fixture(scope="session")
def routing():
    return corpus.routing(ASSIGN_TICKETS, ASSIGN_AGENTS)
