"""Routing end to end with shifts: 100k waiting tickets, 500 agents in three time zones.

    .venv/bin/python benches/route_team.py [--tickets 100000] [--agents 500] [--apply]

Builds a desk file in a temporary directory (tickets written directly, agents and shifts through the
services), then times, each on its own: the plan (``desk.routing.plan``: who is on shift now, the
queue's order, the skills and languages, one native call), the same through ``crossdesk route`` in a new
process (start-up, opening the desk and printing 100k lines included), ``crossdesk team coverage
--week`` and, with --apply, carrying the plan out. Figures move by about +-30% on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crossdesk.api import Desk
from crossdesk.models import Actor

LANGS = ["en", "de", "fr", "es", "it", "ja", "zh", "ko", "pt", "nl", "pl", "tr", "ar"]
SKILLS = ["returns", "refunds", "chargebacks", "complaints", "amazon", "ebay", "shopee", "shopify"]
INTENTS = ["", "return_request", "refund_request", "shipping_status", "complaint", "product_question"]
PLATFORMS = ["amazon", "ebay", "shopee", "shopify"]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]
PATTERNS = ["mon-fri 06:00-14:00", "mon-fri 09:00-17:00", "mon-fri 14:00-22:00", "tue-sat 22:00-06:00"]


def build(path: Path, n_tickets: int, n_agents: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    admin = Actor.system("bench")
    desk = Desk.open(path)
    try:
        now = desk.now()
        for i, p in enumerate(PLATFORMS, start=1):
            desk.db.conn.execute(
                "INSERT INTO shops (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [i, p, f"S{i}", p, now],
            )
        for k in range(n_agents):
            agent = desk.team.create_agent(
                admin,
                f"agent{k}",
                languages=rnd.sample(LANGS, rnd.randint(1, 3)),
                skills=rnd.sample(SKILLS, rnd.randint(1, 4)),
                capacity=rnd.randint(100, 300),
                timezone=ZONES[k % 3],
            )
            desk.shifts.set_pattern(admin, agent, rnd.choice(PATTERNS))
        rows = []
        for t in range(n_tickets):
            p = rnd.randrange(len(PLATFORMS))
            created = now - rnd.randint(60, 5 * 86400)
            rows.append(
                (PLATFORMS[p], p + 1, f"T{t}", 1, rnd.choice(INTENTS), rnd.choice(LANGS), rnd.random() * 10,
                 created, now, created)
            )  # fmt: skip
        with desk.tx():
            desk.db.conn.executemany(
                "INSERT INTO tickets (platform, shop_id, external_id, status, intent, language, priority, "
                "created_at, updated_at, last_customer_msg_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        desk.close()


def timed(label: str, fn):
    started = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--apply", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        timed(
            f"build {args.tickets:,} tickets, {args.agents} agents with shifts",
            lambda: build(path, args.tickets, args.agents),
        )
        admin = Actor.system("bench")
        desk = Desk.open(path)
        try:
            plan = timed("plan, cold (queue snapshot built)", lambda: desk.routing.plan(admin))
            plan = timed("plan, warm", lambda: desk.routing.plan(admin))
            on = sum(1 for a in plan.agents if a.on_shift)
            print(
                f"  {len(plan.assignments):,} assigned, {len(plan.unrouted):,} wait ({dict(plan.reasons())}); {on} agents on shift"
            )
            if args.apply:
                result = timed("apply", lambda: desk.routing.apply(admin, plan))
                print(f"  {result}")
        finally:
            desk.close()
        exe = Path(sys.executable).with_name("crossdesk")
        env = dict(os.environ, CROSSDESK_ACTOR="")
        for command in (["route"], ["team", "coverage", "--week"]):
            timed(
                f"crossdesk {' '.join(command)} (new process, output to /dev/null)",
                lambda c=command: subprocess.run(
                    [str(exe), *c, "--db", str(path)], check=True, env=env, stdout=subprocess.DEVNULL
                ),
            )


if __name__ == "__main__":
    main()
