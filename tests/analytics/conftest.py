"""Fixtures of the analytics tests: a demo desk with SLA history, built once per module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossdesk.api import Desk
from crossdesk.demo import build_demo, enrich

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("analytics") / "demo.db"
    build_demo(path, size=1500, seed=11)
    desk = Desk.open(path)
    try:
        enrich(desk, sla=ROOT / "examples" / "sla.toml")
    finally:
        desk.close()
    return path


@pytest.fixture
def desk(demo_desk, tmp_path):
    """The module's demo desk, copied so a test may write to it, open."""
    path = tmp_path / "desk.db"
    shutil.copy(demo_desk, path)
    d = Desk.open(path)
    yield d
    d.close()
