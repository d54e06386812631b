"""Merges a person controls: suggestions with their evidence, merges journaled, every merge reversible.

Intake merges a new platform identity into a profile only on an exact normalised e-mail or phone
(:meth:`CustomerService.upsert`); a near-identical name is never enough. Those fuzzy matches are
*suggestions* (:meth:`MergeService.suggestions`) that a person accepts (:meth:`merge`) or rejects
(:meth:`reject`, never suggested again).

Every merge writes a row in ``customer_merges``: the ids of the identities, orders, tickets and cases it
moved, both profiles' rows and segment rows before, and the tickets' tier and ``updated_at`` before and
after. :meth:`unmerge` moves exactly those rows back and restores both profiles, so the desk is as it was
(apart from the audit rows and the journal). Buyers of shops of different sellers are never merged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.customers.segments import SegmentService
from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store

MOVED_TABLES = ("customer_identities", "orders", "tickets", "cases")


@dataclass
class Suggestion:
    """Two profiles that may be one buyer, with the evidence for it."""

    keep_id: int
    other_id: int
    score: float
    evidence: list[str] = field(default_factory=list)


class MergeService:
    """``desk.merges``: suggestions, merges, rejections and un-merges of buyer profiles."""

    def __init__(self, store: Store, segments: SegmentService) -> None:
        self.store = store
        self.segments = segments

    # ---- suggestions --------------------------------------------------------------------------------

    def suggestions(
        self, actor: Actor, customer_id: int | None = None, *, limit: int = 50, min_score: float = 88.0
    ) -> list[Suggestion]:
        """Pairs of live profiles in the same country with near-identical names (rapidfuzz token sort),
        best first; pairs a person rejected and pairs of different sellers' buyers are left out."""
        from rapidfuzz import fuzz, process

        store = self.store
        store.require(actor, "view")
        rows = store.rows(
            "SELECT id, name, country, region, language, email, phone FROM customers "
            "WHERE merged_into IS NULL AND name <> '' ORDER BY id"
        )
        by_id = {r["id"]: r for r in rows}
        blocks: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in rows:
            blocks[(r["country"], _block_key(r["name"]))].append(r)
        rejected = {
            (a, b) for a, b in store.db.execute("SELECT low_id, high_id FROM customer_merge_decisions")
        }
        sellers = self._sellers()
        platforms = self._platforms()
        found: list[Suggestion] = []
        for block in blocks.values():
            if len(block) < 2:
                continue
            if customer_id is not None and all(r["id"] != customer_id for r in block):
                continue
            names = [r["name"] for r in block]
            for i, r in enumerate(block):
                if customer_id is not None and r["id"] != customer_id:
                    continue
                for _, score, j in process.extract(
                    r["name"], names, scorer=fuzz.token_sort_ratio, score_cutoff=min_score, limit=None
                ):
                    other = block[j]
                    if j == i or (customer_id is None and other["id"] < r["id"]):
                        continue
                    low, high = sorted((r["id"], other["id"]))
                    if (low, high) in rejected or _clash(sellers.get(low, set()), sellers.get(high, set())):
                        continue
                    found.append(
                        Suggestion(
                            low, high, float(score), _evidence(by_id[low], by_id[high], score, platforms)
                        )
                    )
        found.sort(key=lambda s: (-s.score, s.keep_id, s.other_id))
        return found[:limit]

    def reject(self, actor: Actor, a: int, b: int) -> None:
        """A person says these two profiles are different buyers: never suggested again (audited)."""
        store = self.store
        store.require(actor, "manage_settings")
        low, high = sorted((int(a), int(b)))
        with store.tx():
            for cid in (low, high):
                self._profile(cid)
            store.db.execute(
                "INSERT OR REPLACE INTO customer_merge_decisions (low_id, high_id, decision, actor, decided_at) "
                "VALUES (?, ?, 'rejected', ?, ?)",
                [low, high, actor.name, store.now()],
            )
            store.audit(actor, "customer.merge_reject", "customer", low, None, {"other": high})

    # ---- merging -------------------------------------------------------------------------------------

    def merge(self, actor: Actor, keep_id: int, other_id: int, *, evidence: str = "") -> int:
        """Merge ``other_id`` into ``keep_id``: identities, orders, tickets and cases move over, journaled;
        returns the journal id. Refused for buyers of different sellers' shops."""
        store = self.store
        store.require(actor, "manage_settings")
        if keep_id == other_id:
            raise DeskError("cannot merge a customer into itself")
        with store.tx():
            keep, other = self._profile(keep_id), self._profile(other_id)
            for p in (keep, other):
                if p["merged_into"] is not None:
                    raise DeskError(f"customer #{p['id']} is already merged into #{p['merged_into']}")
            sellers = self._sellers()
            mine, theirs = sellers.get(keep_id, set()), sellers.get(other_id, set())
            if _clash(mine, theirs):
                raise DeskError(
                    f"customers #{keep_id} and #{other_id} are buyers of different sellers "
                    f"({', '.join(sorted(mine))} / {', '.join(sorted(theirs))}); they are never merged"
                )
            db = store.db
            moved: dict[str, Any] = {}
            for table in MOVED_TABLES:
                moved[table] = [
                    r[0]
                    for r in db.execute(
                        f"SELECT id FROM {table} WHERE customer_id = ? ORDER BY id", [other_id]
                    )
                ]
            tickets_before = self._ticket_state((keep_id, other_id))
            seg_before = {str(c): self._segment_row(c) for c in (keep_id, other_id)}
            for table in MOVED_TABLES:
                db.execute(f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?", [keep_id, other_id])
            now = store.now()
            store.update("customers", other_id, {"merged_into": keep_id, "updated_at": now})
            db.execute("DELETE FROM customer_segments WHERE customer_id = ?", [other_id])
            self.segments.recompute(actor, [keep_id])
            moved["tickets_before"] = tickets_before
            moved["tickets_after"] = self._ticket_state((keep_id,))
            moved["segments_before"] = seg_before
            merge_id = store.insert(
                "customer_merges",
                {
                    "keep_id": keep_id,
                    "other_id": other_id,
                    "moved": orjson.dumps(moved).decode(),
                    "kept_before": orjson.dumps(keep).decode(),
                    "other_before": orjson.dumps(other).decode(),
                    "evidence": evidence,
                    "actor": actor.name,
                    "merged_at": now,
                },
            )
            store.audit(
                actor,
                "customer.merge",
                "customer",
                keep_id,
                {"merged": other_id},
                {"into": keep_id, "merge_id": merge_id, **{t: len(moved[t]) for t in MOVED_TABLES}},
            )
        return merge_id

    def unmerge(self, actor: Actor, other_id: int) -> int:
        """Undo the merge that absorbed ``other_id``: both profiles, their identities, orders, tickets and
        cases as they were before it. Refused while a later merge of the kept profile stands."""
        store = self.store
        store.require(actor, "manage_settings")
        with store.tx():
            j = store.row(
                "SELECT * FROM customer_merges WHERE other_id = ? AND unmerged_at IS NULL ORDER BY id DESC LIMIT 1",
                [other_id],
            )
            if j is None:
                raise NotFound(f"customer #{other_id} is not merged into anyone; nothing to undo")
            keep_id = j["keep_id"]
            later = store.row(
                "SELECT id, other_id FROM customer_merges WHERE unmerged_at IS NULL AND id > ? "
                "AND (keep_id = ? OR other_id = ?) ORDER BY id DESC LIMIT 1",
                [j["id"], keep_id, keep_id],
            )
            if later is not None:
                raise DeskError(
                    f"merge #{later['id']} (customer #{later['other_id']}) came after; undo it first"
                )
            moved = orjson.loads(j["moved"])
            db = store.db
            for table in MOVED_TABLES:
                ids = moved[table]
                for start in range(0, len(ids), 500):
                    part = ids[start : start + 500]
                    db.execute(
                        f"UPDATE {table} SET customer_id = ? WHERE customer_id = ? AND id IN ({','.join('?' * len(part))})",
                        [other_id, keep_id, *part],
                    )
            for key, before in (("kept_before", keep_id), ("other_before", other_id)):
                row = orjson.loads(j[key])
                row.pop("id")
                db.execute(
                    f"UPDATE customers SET {', '.join(f'{k} = ?' for k in row)} WHERE id = ?",
                    [*row.values(), before],
                )
            after = {int(t[0]): t[2:] for t in moved["tickets_after"]}
            for tid, _cid, tier, updated in moved["tickets_before"]:
                now_state = db.execute("SELECT tier, updated_at FROM tickets WHERE id = ?", [tid]).fetchone()
                # A ticket that changed since the merge keeps its newer updated_at; its tier is restored.
                if now_state is not None and list(now_state) == list(after.get(tid, now_state)):
                    db.execute(
                        "UPDATE tickets SET tier = ?, updated_at = ? WHERE id = ?", [tier, updated, tid]
                    )
                elif now_state is not None:
                    db.execute("UPDATE tickets SET tier = ? WHERE id = ?", [tier, tid])
            for cid, seg in moved["segments_before"].items():
                db.execute("DELETE FROM customer_segments WHERE customer_id = ?", [int(cid)])
                if seg is not None:
                    cols = list(seg)
                    db.execute(
                        f"INSERT INTO customer_segments ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        list(seg.values()),
                    )
            db.execute(
                "UPDATE customer_merges SET unmerged_at = ?, unmerged_by = ? WHERE id = ?",
                [store.now(), actor.name, j["id"]],
            )
            store.audit(
                actor,
                "customer.unmerge",
                "customer",
                keep_id,
                {"into": keep_id, "merged": other_id},
                {"restored": other_id, "merge_id": j["id"]},
            )
        return j["id"]

    def journal(self, actor: Actor, customer_id: int | None = None) -> list[dict]:
        """The merges (newest first), of one profile (kept or absorbed) or of the desk."""
        self.store.require(actor, "view")
        where, args = (
            ("WHERE keep_id = ? OR other_id = ?", [customer_id, customer_id]) if customer_id else ("", [])
        )
        return self.store.rows(
            f"SELECT id, keep_id, other_id, evidence, actor, merged_at, unmerged_at, unmerged_by "
            f"FROM customer_merges {where} ORDER BY id DESC",
            args,
        )

    # ---- helpers -------------------------------------------------------------------------------------

    def _profile(self, customer_id: int) -> dict:
        row = self.store.row("SELECT * FROM customers WHERE id = ?", [customer_id])
        if row is None:
            raise NotFound(f"no customer #{customer_id}")
        return row

    def _segment_row(self, customer_id: int) -> dict | None:
        return self.store.row("SELECT * FROM customer_segments WHERE customer_id = ?", [customer_id])

    def _ticket_state(self, customer_ids: tuple[int, ...]) -> list[list[int]]:
        marks = ",".join("?" * len(customer_ids))
        return [
            list(r)
            for r in self.store.db.execute(
                f"SELECT id, customer_id, tier, updated_at FROM tickets WHERE customer_id IN ({marks}) ORDER BY id",
                list(customer_ids),
            )
        ]

    def _sellers(self) -> dict[int, set[str]]:
        """Per profile, the sellers of the shops it has identities in (a shop's ``config.seller``; a shop
        without one belongs to the desk's own seller, ``""``)."""
        seller_of = {}
        for sid, config in self.store.db.execute("SELECT id, config FROM shops"):
            try:
                seller_of[sid] = str(orjson.loads(config or "{}").get("seller", "") or "")
            except (orjson.JSONDecodeError, AttributeError):
                seller_of[sid] = ""
        out: dict[int, set[str]] = defaultdict(set)
        for cid, sid in self.store.db.execute("SELECT customer_id, shop_id FROM customer_identities"):
            out[cid].add(seller_of.get(sid, ""))
        return out

    def _platforms(self) -> dict[int, set[str]]:
        out: dict[int, set[str]] = defaultdict(set)
        for cid, platform in self.store.db.execute("SELECT customer_id, platform FROM customer_identities"):
            out[cid].add(platform)
        return out


def _clash(a: set[str], b: set[str]) -> bool:
    """Two profiles belong to different sellers when both are known and they share none."""
    return bool(a) and bool(b) and not (a & b)


def _block_key(name: str) -> str:
    """Names compared only within a block: the first letter of the alphabetically first word, so
    "Anna Müller" and "Müller Anna" meet and the comparison stays far below n² on a big desk."""
    words = sorted(w for w in name.lower().split() if w)
    return words[0][:1] if words else ""


def _evidence(a: dict, b: dict, score: float, platforms: dict[int, set[str]]) -> list[str]:
    out = [f"names {score:.0f}% alike: {a['name']!r} / {b['name']!r}", f"same country {a['country'] or '?'}"]
    for key in ("region", "language"):
        if a[key] and a[key] == b[key]:
            out.append(f"same {key} {a[key]}")
    if a["email"] and b["email"] and a["email"].split("@")[-1] == b["email"].split("@")[-1]:
        out.append(f"e-mail on the same domain {a['email'].split('@')[-1]}")
    pa, pb = platforms.get(a["id"], set()), platforms.get(b["id"], set())
    out.append(f"on {', '.join(sorted(pa)) or 'no platform'} / {', '.join(sorted(pb)) or 'no platform'}")
    if pa and pb and not (pa & pb):
        out.append("never on the same platform (one person, two marketplaces)")
    return out
