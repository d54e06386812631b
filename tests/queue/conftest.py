from __future__ import annotations

import numpy as np
import pytest

from crossdesk.models import INTENT_NAMES

PLATFORMS = ["amazon", "ebay", "shopee", "shopify", "web", "newmarket"]
LANGS = ["en", "de", "ja", "", "pt-BR"]


def _insert_tickets(desk, n: int, seed: int = 0, start: int = 0) -> list[int]:
    """Write n varied tickets directly (the queue reads rows, whoever wrote them)."""
    rng = np.random.default_rng(seed)
    now = desk.now()
    conn = desk.db.conn
    for i, p in enumerate(PLATFORMS, start=1):
        conn.execute(
            "INSERT OR IGNORE INTO shops (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
            [i, p, f"S{i}", f"shop {i}", now],
        )
    ids = []
    for k in range(start, start + n):
        shop = int(rng.integers(1, len(PLATFORMS) + 1))
        created = now - int(rng.integers(0, 20 * 86400))
        row = {
            "platform": PLATFORMS[shop - 1],
            "shop_id": shop,
            "external_id": f"T{k}",
            "status": int(rng.choice([0, 1, 1, 2, 3, 4, 5])),
            "intent": INTENT_NAMES[int(rng.integers(0, len(INTENT_NAMES)))] if k % 7 else "plugin_intent",
            "sentiment": float(rng.uniform(-1, 1)),
            "tier": int(rng.integers(0, 4)),
            "order_value_usd": float(rng.lognormal(3, 1)),
            "escalated": int(rng.random() < 0.1),
            "created_at": created,
            "updated_at": created,
            "last_customer_msg_at": None if k % 11 == 0 else created + int(rng.integers(0, 86400)),
            "sla_due": None if k % 5 == 0 else created + int(rng.integers(3600, 4 * 86400)),
            "language": LANGS[k % len(LANGS)],
        }
        ids.append(desk.db["tickets"].insert(row).last_pk)
    return ids


@pytest.fixture
def desk(crossdesk_desk):
    return crossdesk_desk


@pytest.fixture
def insert_tickets():
    return _insert_tickets
