"""Token and cost accounting per call in the desk, and the daily budget checked before a call."""

from __future__ import annotations

import json

import pytest

from crossdesk.api import Desk
from crossdesk.errors import PermissionDenied
from crossdesk.fakes.llm import LlmFake
from crossdesk.fakes.server import Fault
from crossdesk.llm import BudgetExceeded, LlmSettings, LlmUnavailable
from crossdesk.models import Actor, Role

ADMIN = Actor(name="ops", role=Role.ADMIN)
AGENT = Actor(name="ana", role=Role.AGENT)
ASK = [
    {
        "role": "user",
        "content": json.dumps(
            {"task": "translate", "target_language": "fr", "texts": ["Where is my order?"]}
        ),
    }
]


@pytest.fixture
def desk(settings: LlmSettings):
    d = Desk.memory()
    d.llm.configure(settings.with_(price_in=2.0, price_out=8.0))
    yield d
    d.close()


def test_each_call_is_booked_without_text(desk: Desk, fake: LlmFake) -> None:
    result = desk.llm.client().chat(ASK, purpose="translate", ticket_id=None)
    rows = desk.db.execute("SELECT * FROM llm_calls").fetchall()
    assert len(rows) == 1
    cols = [c[0] for c in desk.db.execute("SELECT * FROM llm_calls").description]
    row = dict(zip(cols, rows[0], strict=True))
    assert row["purpose"] == "translate" and row["status"] == "ok" and row["model"] == "fake-llm"
    assert (
        row["prompt_tokens"] == result.prompt_tokens and row["completion_tokens"] == result.completion_tokens
    )
    assert row["cost_usd"] == pytest.approx((result.prompt_tokens * 2 + result.completion_tokens * 8) / 1e6)
    flat = " ".join(str(v) for v in row.values())
    assert "order" not in flat.lower() and "commande" not in flat.lower()
    today = desk.llm.today()
    assert today.calls == 1 and today.tokens == result.tokens and today.by_purpose["translate"]["calls"] == 1


def test_failed_call_is_booked_with_its_error(desk: Desk, fake: LlmFake) -> None:
    fake.go_down()
    client = desk.llm.client(desk.llm.settings.with_(retries=1))
    with pytest.raises(LlmUnavailable):
        client.chat(ASK, purpose="draft")
    assert desk.db.execute("SELECT purpose, status FROM llm_calls").fetchall() == [
        ("draft", "LlmUnavailable")
    ]
    fake.come_back()


def test_usd_budget_stops_the_call_before_it_is_made(desk: Desk, fake: LlmFake) -> None:
    desk.llm.set_budget(ADMIN, daily_usd=0.01)
    client = desk.llm.client()
    client.chat(ASK, purpose="translate", max_tokens=100)  # ~0.001 USD at most
    fake.inject(Fault.server_error(500))  # would be consumed if a request were made
    desk.llm.set_budget(ADMIN, daily_usd=desk.llm.today().cost_usd + 0.0001)
    with pytest.raises(BudgetExceeded, match="daily budget"):
        client.chat(ASK, purpose="translate", max_tokens=100)
    assert fake.pending_faults() == 1  # nothing was sent
    assert (
        desk.db.execute("SELECT count(*) FROM llm_calls WHERE status = 'BudgetExceeded'").fetchone()[0] == 1
    )


def test_token_budget_for_a_free_local_server(desk: Desk, fake: LlmFake) -> None:
    desk.llm.configure(desk.llm.settings.with_(price_in=0.0, price_out=0.0))
    desk.llm.set_budget(ADMIN, daily_tokens=200)
    client = desk.llm.client()
    client.chat(ASK, purpose="translate", max_tokens=50)
    with pytest.raises(BudgetExceeded, match="tokens"):
        client.chat(ASK, purpose="translate", max_tokens=190)
    assert len(fake.requests_to("/v1/chat/completions")) == 1


def test_budget_needs_manage_settings_and_is_audited(desk: Desk) -> None:
    with pytest.raises(PermissionDenied):
        desk.llm.set_budget(AGENT, daily_usd=1.0)
    with pytest.raises(ValueError):
        desk.llm.set_budget(ADMIN, daily_usd=-1)
    desk.llm.set_budget(ADMIN, daily_usd=1.5)
    assert desk.llm.budget() == {"daily_usd": 1.5}
    trail = desk.audit_trail(ADMIN, "setting")
    assert any("llm_budget" in json.dumps(t, default=str) for t in trail)
