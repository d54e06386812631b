"""Deterministic bench data: a score desk, a multilingual message corpus with its patterns, a routing
problem. Sizes follow the performance budget in docs/architecture.md."""

from __future__ import annotations

import numpy as np

from crossdesk.native import INT64_MAX, SCORE_COLUMNS

NOW = 1_760_000_000


def score_columns(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Random score columns, typed as the kernel reads them (``crossdesk.native.SCORE_COLUMNS``)."""
    rng = np.random.default_rng(seed)
    day = 86_400
    sla = NOW + rng.integers(-3 * day, 5 * day, n)
    sla[rng.random(n) < 0.1] = INT64_MAX
    t = SCORE_COLUMNS  # each array cast as soon as it is drawn: at 10M tickets the float64 drafts are big
    cols = {
        "sla_due": sla.astype(t["sla_due"]),
        "last_customer_msg_at": (NOW - rng.integers(0, 10 * day, n)).astype(t["last_customer_msg_at"]),
        "order_value_usd": rng.lognormal(3.5, 1.2, n).astype(t["order_value_usd"]),
        "tier": rng.integers(0, 4, n).astype(t["tier"]),
        "intent": rng.integers(0, 17, n).astype(t["intent"]),
        "sentiment": rng.uniform(-1, 1, n).astype(t["sentiment"]),
        "platform": rng.integers(0, 7, n).astype(t["platform"]),
        "status": rng.integers(0, 6, n).astype(t["status"]),
        "escalated": (rng.random(n) < 0.05).astype(t["escalated"]),
    }
    assert set(cols) == set(t), "the bench data must cover exactly the kernel's columns"
    return {name: cols[name] for name in t}


# Letters per script, to make pseudo-words that look like each of the 13 demo languages.
_SCRIPTS = {
    "latin": "abcdefghijklmnopqrstuvwxyz",
    "latin_accents": "abcdefghilmnoprstuvzäöüßéèêàçñíóúãõąęłśżğışç",
    "han": "退款货物没有收到质量问题请尽快处理订单发票取消地址修改包裹物流损坏错误退货换货投诉差评律师银行拒付",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテト",
    "hangul": "가나다라마바사아자차카타파하환불배송주문취소교환반품상품도착파손",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาิีึืุูเแโใไ",
}
_SPACED = ("latin", "latin_accents", "arabic")


def _word(rng: np.random.Generator, script: str) -> str:
    letters = _SCRIPTS[script]
    size = int(rng.integers(2, 4)) if script not in _SPACED else int(rng.integers(4, 10))
    return "".join(letters[int(i)] for i in rng.integers(0, len(letters), size))


def match_corpus(
    n_patterns: int = 2000, n_messages: int = 100_000, seed: int = 2
) -> tuple[list[str], list[str]]:
    """(patterns, messages): about 1 in 12 words of a message is a pattern, in mixed case."""
    rng = np.random.default_rng(seed)
    scripts = list(_SCRIPTS)
    weights = np.array([4, 4, 1, 1, 1, 1, 1], dtype=float)
    weights /= weights.sum()
    patterns: list[str] = []
    seen: set[str] = set()
    while len(patterns) < n_patterns:
        script = scripts[int(rng.choice(len(scripts), p=weights))]
        words = 1 if script not in _SPACED or rng.random() < 0.8 else 2
        p = " ".join(_word(rng, script) for _ in range(words))
        if p not in seen:
            seen.add(p)
            patterns.append(p)
    filler = [_word(rng, scripts[int(rng.choice(len(scripts), p=weights))]) for _ in range(20_000)]
    # Draw every choice at once; only the joining is per message.
    vocab = (
        patterns + filler + [w.upper() for w in filler[:5000]] + [w.capitalize() for w in filler[5000:10000]]
    )
    vocab += [p.upper() for p in patterns[: n_patterns // 4]] + [
        p.capitalize() for p in patterns[n_patterns // 4 : n_patterns // 2]
    ]
    vocab_arr = np.array(vocab, dtype=object)
    n_words = rng.integers(8, 30, n_messages)
    total = int(n_words.sum())
    is_pattern = rng.random(total) < 0.08
    pat_pick = rng.integers(0, n_patterns, total)
    # patterns in mixed case live at the end of vocab; plain ones at the start
    cased = rng.random(total) < 0.2
    pat_index = np.where(
        cased & (pat_pick < n_patterns // 2), len(vocab) - n_patterns // 2 + pat_pick, pat_pick
    )
    word_index = np.where(
        is_pattern, pat_index, rng.integers(n_patterns, n_patterns + len(filler) + 10000, total)
    )
    words = vocab_arr[word_index]
    spaced = rng.random(n_messages) < 0.7
    ends = rng.choice(np.array([".", "!", "?", " 😡", ""], dtype=object), n_messages)
    messages = []
    pos = 0
    for i in range(n_messages):
        k = int(n_words[i])
        messages.append((" " if spaced[i] else "").join(words[pos : pos + k]) + ends[i])
        pos += k
    return patterns, messages


def routing(n_tickets: int = 100_000, n_agents: int = 500, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # 13 languages, agents speak 1-3; 16 skills, tickets need 0-2; some agents off shift.
    agent_langs = np.zeros(n_agents, np.uint64)
    for k in range(3):
        agent_langs |= np.where(
            rng.random(n_agents) < (1.0 if k == 0 else 0.4),
            np.uint64(1) << rng.integers(0, 13, n_agents).astype(np.uint64),
            np.uint64(0),
        )
    agent_skills = rng.integers(0, 2**16, n_agents).astype(np.uint64)
    ticket_skills = np.zeros(n_tickets, np.uint64)
    for _ in range(2):
        ticket_skills |= np.where(
            rng.random(n_tickets) < 0.5,
            np.uint64(1) << rng.integers(0, 16, n_tickets).astype(np.uint64),
            np.uint64(0),
        )
    return {
        "order": rng.permutation(n_tickets).astype(np.int64),
        "ticket_skills": ticket_skills,
        "ticket_langs": (np.uint64(1) << rng.integers(0, 13, n_tickets).astype(np.uint64)),
        "agent_skills": agent_skills,
        "agent_langs": agent_langs,
        "capacity": np.where(rng.random(n_agents) < 0.1, 0, rng.integers(150, 300, n_agents)).astype(
            np.int32
        ),
        "load": rng.integers(0, 20, n_agents).astype(np.int32),
        "last_assigned": rng.integers(NOW - 3600, NOW, n_agents).astype(np.int64),
    }


def synth_desk(db, n: int, seed: int = 4) -> None:
    """Fill a desk database (``crossdesk.store.db.connect`` result) with ``n`` tickets written directly, the way
    a large imported desk looks to the queue: six shops, every status, most tickets with an SLA."""
    from crossdesk.models import INTENT_NAMES

    rng = np.random.default_rng(seed)
    day = 86_400
    platforms = ["amazon", "ebay", "shopee", "shopify", "aliexpress", "web"]
    conn = db.conn
    conn.execute("BEGIN")
    for i, p in enumerate(platforms, start=1):
        conn.execute(
            "INSERT OR IGNORE INTO shops (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
            [i, p, f"S{i}", f"shop {i}", NOW - 400 * day],
        )
    langs = ["en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar"]
    # Bulk load: drop the ticket indexes, insert, build them again (sorted builds beat row-by-row).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        shop = rng.integers(1, 7, m)
        created = NOW - rng.integers(0, 60 * day, m)
        sla = created + rng.integers(6 * 3600, 3 * day, m)
        no_sla = rng.random(m) < 0.1
        rows = zip(
            [platforms[s - 1] for s in shop.tolist()],
            shop.tolist(),
            [f"T{start + k}" for k in range(m)],
            rng.choice([0, 1, 1, 1, 2, 3, 4, 5], m).tolist(),
            [INTENT_NAMES[k] for k in rng.integers(0, len(INTENT_NAMES), m).tolist()],
            rng.uniform(-1, 1, m).round(3).tolist(),
            rng.integers(0, 4, m).tolist(),
            rng.lognormal(3.5, 1.2, m).round(2).tolist(),
            (rng.random(m) < 0.05).astype(int).tolist(),
            created.tolist(),
            (created + rng.integers(0, day, m)).tolist(),
            [None if x else int(v) for x, v in zip(no_sla.tolist(), sla.tolist(), strict=True)],
            [langs[k] for k in rng.integers(0, len(langs), m).tolist()],
            strict=True,
        )
        conn.executemany(
            "INSERT INTO tickets (platform, shop_id, external_id, status, intent, sentiment, tier, "
            "order_value_usd, escalated, created_at, updated_at, last_customer_msg_at, sla_due, language) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((*r[:11], r[10], *r[11:]) for r in rows),
        )
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
