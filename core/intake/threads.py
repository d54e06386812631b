"""Buyer messages, history and ticket state in batches, with the pipeline run over the batch.

The answers are those of ``TicketService.receive`` and the pipeline steps (language, classification, SLA,
rules) message by message. A batch is cut into waves in which every thread appears once, in the order its
records came; each wave is written set-based, then the pipeline runs over it: language detection and
classification over all its texts at once, SLA clocks once per ticket, then the rules per event in order,
so a rule sees its ticket exactly as it would have after that message alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson

from crossdesk.classify.pipeline import _classifier, stronger
from crossdesk.errors import DeskError
from crossdesk.intake.sql import (
    audit_many,
    by_ids,
    by_platform_key,
    insert_messages,
    insert_rows,
    next_id,
    update_many,
)
from crossdesk.language import detect_many
from crossdesk.models import Actor, Direction, Event, TicketStatus
from crossdesk.orders import Rates
from crossdesk.sla import CLOCK_STATE
from crossdesk.store import Store
from crossdesk.store.values import required
from crossdesk.tickets import MAX_BODY_CHARS, clean_text

Key = tuple[str, int, str]
#: The columns of a buyer message's row and of a reply's or note's, as the writers build them.
_IN_COLUMNS = (
    "id", "ticket_id", "platform", "shop_id", "external_id", "direction", "author", "body", "language",
    "intents", "sentiment", "flags", "created_at",
)  # fmt: skip
_HISTORY_COLUMNS = (
    "id", "ticket_id", "platform", "shop_id", "external_id", "direction", "author", "body", "language",
    "translation", "created_at",
)  # fmt: skip
_REOPEN = (int(TicketStatus.PENDING), int(TicketStatus.ON_HOLD), int(TicketStatus.SOLVED))


def waves(keys: Sequence[Key]) -> list[list[int]]:
    """Indexes of ``keys`` cut into waves: the n-th wave holds each thread's n-th record, in order."""
    seen: dict[Key, int] = defaultdict(int)
    out: list[list[int]] = []
    for i, key in enumerate(keys):
        n = seen[key]
        seen[key] = n + 1
        if n == len(out):
            out.append([])
        out[n].append(i)
    return out


class Threads:
    """Writes one wave of records on distinct threads; built per batch by :class:`IntakeService`."""

    def __init__(
        self,
        store: Store,
        rates: Rates,
        actor: Actor,
        *,
        sla_recompute: Callable[[int], Any],
        sla_active: bool,
        rules_step: Callable[[Actor, Event], None] | None,
    ) -> None:
        self.store = store
        self.rates = rates
        self.actor = actor
        self.sla_recompute = sla_recompute
        self.sla_active = sla_active
        self.rules_step = rules_step
        self.events: list[Event] = []
        self.created: set[int] = set()  # tickets created by this writer
        # Ticket columns changed and not yet written, per ticket: a thread's messages, replies and state
        # come in successive waves, and each wave's change to its ticket row is merged here, so the row
        # (and its many indexes) is written once per batch instead of once per wave. Every read of the
        # writer sees them (:meth:`_tickets`); :meth:`flush` writes them before anything else reads the
        # rows (the SLA clocks, the rules, events of other services), and ``IntakeService.deliver`` at
        # the latest.
        self.pending: dict[int, dict[str, Any]] = {}
        # Tickets this writer created and has not inserted yet, by id and by key, and the messages and tags
        # of the batch: a new thread's later records (its replies, its restored status) change the row
        # before it is written, so it is written once, whole, and never updated within the batch.
        # :meth:`flush` inserts the tickets first, then the messages and tags that refer to them.
        self.unborn: dict[int, dict[str, Any]] = {}
        self.unborn_keys: dict[Key, int] = {}
        self.unborn_messages: dict[tuple[str, ...], list[tuple]] = {_IN_COLUMNS: [], _HISTORY_COLUMNS: []}
        self.unborn_tags: list[tuple[int]] = []  # tickets whose text was repaired ("encoding-repaired")
        self._next_message = 0  # the id after the last message handed out
        # Every ticket this writer inserts or changes (``crossdesk.intake.days`` marks their days).
        self.touched: set[int] = set()
        # The messages this writer wrote, (ticket id, message id) by key. ``preloaded`` is set by a caller
        # that has already left out the messages the desk had before its batch (the importer, with one
        # lookup for the whole batch): a message is then a duplicate only of one of these, and no wave
        # looks it up in the desk again.
        self.written: dict[Key, tuple[int, int]] = {}
        self.preloaded = False
        # The threads the desk may hold, when the caller knows a superset of them (the importer, on a desk
        # it began empty): a key outside it is a new ticket, not looked up. Each ticket this writer
        # inserts is added to it.
        self.stored: set[Key] | None = None
        # Tiers of buyers and values of orders read for earlier waves (kept while no rule runs between
        # waves: nothing else of the batch changes them), and each set of intents as its JSON.
        self._context: tuple[dict[int, int], dict[int, tuple]] | None = None if rules_step else ({}, {})
        self._intents: dict[tuple[str, ...], str] = {}
        # Buyers whose language this writer has set if they had none: theirs is set from then on, and
        # their later messages' languages change nothing (the first one detected stays, as one by one).
        self.spoken: set[int] = set()

    # ---- the ticket rows of the batch ---------------------------------------------------------------

    def _tickets(self, columns: str, keys: Iterable[Key]) -> dict[Key, tuple]:
        """``by_platform_key`` over ``tickets`` (``columns`` start with ``id``), with the pending changes."""
        names = [c.strip() for c in columns.split(",")][1:]
        unborn: dict[Key, tuple] = {}
        stored: list[Key] = []
        maybe = self.stored
        for key in keys:
            tid = self.unborn_keys.get(key)
            if tid is None:
                if maybe is None or key in maybe:
                    stored.append(key)
            else:
                row = self.unborn[tid]
                unborn[key] = (tid, *map(row.get, names))
        found = by_platform_key(self.store, "tickets", columns, stored)
        if self.pending:
            for key, row in found.items():
                patch = self.pending.get(row[0])
                if patch:
                    found[key] = (row[0], *(patch.get(n, v) for n, v in zip(names, row[1:], strict=True)))
        found.update(unborn)
        return found

    def _dups(self, columns: str, keys: Iterable[Key]) -> dict[Key, tuple]:
        """The messages among ``keys`` already written: ``(ticket_id, id)`` or ``(id,)`` as ``columns``."""
        short = columns == "id"
        found: dict[Key, tuple] = {}
        rest: list[Key] = []
        for key in keys:
            mine = self.written.get(key)
            if mine is not None:
                found[key] = (mine[1],) if short else mine
            else:
                rest.append(key)
        if not self.preloaded:
            found.update(by_platform_key(self.store, "messages", columns, rest))
        return found

    def _patch(self, ticket_id: int, patch: dict[str, Any]) -> None:
        self.touched.add(ticket_id)
        row = self.unborn.get(ticket_id)
        if row is not None:
            row.update(patch)
        else:
            self.pending.setdefault(ticket_id, {}).update(patch)

    def _next_ticket_id(self) -> int:
        return max(next_id(self.store, "tickets"), max(self.unborn, default=0) + 1)

    def _next_message_id(self) -> int:
        return max(next_id(self.store, "messages"), self._next_message)

    def flush(self) -> None:
        """Write the new tickets, then the batch's messages and tags, then every pending change, one
        ``executemany`` per set of columns."""
        groups: dict[tuple[str, ...], list[tuple]] = {}
        for row in self.unborn.values():  # rows whose keys came in the same order share a statement
            groups.setdefault(tuple(row), []).append(tuple(row.values()))
        if self.stored is not None:
            self.stored.update(self.unborn_keys)
        self.unborn, self.unborn_keys = {}, {}
        for columns, rows in groups.items():
            insert_rows(self.store, "tickets", columns, rows)
        insert_messages(
            self.store, [(columns, rows) for columns, rows in self.unborn_messages.items() if rows]
        )
        self.unborn_messages = {columns: [] for columns in self.unborn_messages}
        if self.unborn_tags:
            self.store.db.conn.executemany(
                "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, 'encoding-repaired')",
                self.unborn_tags,
            )
            self.unborn_tags = []
        self._write_pending(list(self.pending))

    def _write_pending(self, ticket_ids: Iterable[int]) -> None:
        """Write the pending changes of these tickets (stored ones: a new ticket takes its changes)."""
        update_many(
            self.store, "tickets", [(tid, self.pending.pop(tid)) for tid in ticket_ids if tid in self.pending]
        )

    # ---- buyer messages ------------------------------------------------------------------------------

    def receive(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, bool] | DeskError]:
        """Rows as ``TicketService.receive`` takes them, on distinct threads."""
        store = self.store
        results: list[tuple[int, int, bool] | DeskError] = []
        good: list[tuple[int, dict[str, Any]]] = []
        for i, row in enumerate(rows):
            try:
                good.append((i, _checked(row)))
                results.append((0, 0, False))
            except DeskError as exc:
                results.append(exc)
        keys = [(m["platform"], m["shop_id"], m["external_id"]) for _, m in good]
        dups = self._dups("ticket_id, id", keys)
        fresh = []  # (row index, checked row, message key, thread key)
        for (i, m), key in zip(good, keys, strict=True):
            dup = dups.get(key)
            if dup is not None:
                results[i] = (dup[0], dup[1], False)
            else:
                fresh.append((i, m, key, (m["platform"], m["shop_id"], m["thread_id"])))
        if not fresh:
            return results
        tickets = self._tickets(
            "id, status, last_customer_msg_at, customer_id, order_id, language, intent, flags",
            (thread for _, _, _, thread in fresh),
        )
        language_and_class(store.pm, [m for _, m, _, _ in fresh if "class" not in m])
        context = _Context(store, self.rates, fresh, tickets, self._context)
        intents_json = self._intents
        now = store.now()
        ticket_id = self._next_ticket_id()
        message_id = self._next_message_id()
        messages: list[tuple] = []
        audits, tags, patches = [], [], []
        created: set[int] = set()
        speakers: list[tuple[str, int]] = []
        for i, m, message_key, key in fresh:
            found = tickets.get(key)
            r = m["class"]
            if found is None:
                tid, ticket_id = ticket_id, ticket_id + 1
                tier, value = context.of(m["customer_id"], m["order_id"])
                customer_id = m["customer_id"]
                self.unborn_keys[key] = tid
                self.unborn[tid] = {
                    "id": tid,
                    "platform": m["platform"],
                    "shop_id": m["shop_id"],
                    "external_id": m["thread_id"],
                    "customer_id": customer_id,
                    "order_id": m["order_id"],
                    "subject": m["subject"] or m["body"].strip().splitlines()[0][:120],
                    "status": int(TicketStatus.NEW),
                    "language": m["language"] or m["detected"],
                    "tier": tier,
                    "order_value_usd": value,
                    "created_at": m["created_at"],
                    "updated_at": m["created_at"],
                    "last_customer_msg_at": m["created_at"],
                    "intent": stronger("", r.intent),
                    "flags": r.flags,
                    "sentiment": r.sentiment if (r.intents or r.sentiment) else 0.0,
                }
                created.add(tid)
                self.created.add(tid)
                self.touched.add(tid)
                audits.append(
                    (
                        "ticket.create",
                        "ticket",
                        tid,
                        None,
                        {"platform": key[0], "shop_id": key[1], "external_id": key[2]},
                    )
                )
            else:
                tid, status, last_buyer, customer_id, order_id, language, intent, flags = found
                patch: dict[str, Any] = {"updated_at": max(m["created_at"], now)}
                if last_buyer is None or m["created_at"] > last_buyer:
                    patch["last_customer_msg_at"] = m["created_at"]
                if status in _REOPEN:
                    patch["status"] = int(TicketStatus.OPEN)
                    patch["solved_at"] = None
                    audits.append(
                        ("ticket.reopen", "ticket", tid, {"status": status}, {"status": patch["status"]})
                    )
                if customer_id is None and m["customer_id"] is not None:
                    patch["customer_id"] = customer_id = m["customer_id"]
                if order_id is None and m["order_id"] is not None:
                    patch["order_id"] = m["order_id"]
                if "customer_id" in patch or "order_id" in patch:
                    patch["tier"], patch["order_value_usd"] = context.of(
                        patch.get("customer_id", customer_id), patch.get("order_id", order_id)
                    )
                if not language and m["detected"]:
                    patch["language"] = m["detected"]
                patch["intent"] = stronger(intent or "", r.intent)
                patch["flags"] = int(flags or 0) | r.flags
                if r.intents or r.sentiment:
                    patch["sentiment"] = r.sentiment
                patches.append((tid, patch))
            if m["detected"] and customer_id is not None and customer_id not in self.spoken:
                self.spoken.add(customer_id)
                speakers.append((m["detected"], customer_id))
            mid, message_id = message_id, message_id + 1
            messages.append(
                (
                    mid,
                    tid,
                    m["platform"],
                    m["shop_id"],
                    m["external_id"],
                    "in",
                    m["author"],
                    m["body"],
                    m["detected"],
                    intents_json.get(r.intents)
                    or intents_json.setdefault(r.intents, orjson.dumps(list(r.intents)).decode()),
                    r.sentiment,
                    r.flags,
                    m["created_at"],
                )
            )
            if m["repaired"]:
                tags.append((tid,))
            results[i] = (tid, mid, True)
            self.written[message_key] = (tid, mid)
        self._next_message = message_id
        for tid, patch in patches:
            self._patch(tid, patch)
        self.unborn_messages[_IN_COLUMNS].extend(messages)
        self.unborn_tags.extend(tags)
        conn = store.db.conn
        if speakers:
            conn.executemany("UPDATE customers SET language = ? WHERE id = ? AND language = ''", speakers)
        audit_many(store, self.actor, audits)
        self._after(messages, created)
        return results

    def _after(self, messages: list[tuple], created: set[int]) -> None:
        """SLA clocks once per touched ticket, then the rules per event in order (``messages``: rows in
        the order of ``_IN_COLUMNS``)."""
        # Without policies a ticket this batch created has no clock to set (its columns are NULL).
        clocks = [
            tid for tid in dict.fromkeys(m[1] for m in messages) if self.sla_active or tid not in self.created
        ]
        # The clocks and the rules read the ticket rows: theirs are written first. The rules, and the
        # policies' conditions, may read anything of the batch; without a policy a clock reads only its
        # ticket's row, and only a ticket with a clock to stop has one to recompute (these are tickets the
        # desk had: a new one has no clock to set). The others keep their changes pending, written once
        # at the end of the batch.
        if not self.sla_active:
            state = by_ids(self.store, "tickets", CLOCK_STATE, clocks)
            clocks = [tid for tid in clocks if any(value is not None for value in state.get(tid, ()))]
        if self.rules_step is not None or self.sla_active:
            self.flush()
        else:
            self._write_pending(clocks)
        for tid in clocks:
            self.sla_recompute(tid)
        now, name, step, events = self.store.now(), self.actor.name, self.rules_step, self.events
        for mid, tid, *_ in messages:
            names = ("ticket_created", "message_received") if tid in created else ("message_received",)
            created.discard(tid)
            for event_name in names:
                # positional: an import raises tens of thousands of these (name, object, actor, at, data)
                event = Event(event_name, "ticket", tid, name, now, {"message_id": mid})
                if step is not None:
                    step(self.actor, event)
                events.append(event)

    # ---- history and state ---------------------------------------------------------------------------

    def history(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, bool] | DeskError]:
        """Replies and notes already sent or written elsewhere, stored on their threads (nothing is
        queued for sending). Per row ``(message_id, new)`` or the error; rows on distinct threads."""
        store = self.store
        results: list[tuple[int, bool] | DeskError] = []
        good = []
        for i, row in enumerate(rows):
            try:
                body, _ = clean_text(row["body"])
                if not body.strip():
                    raise DeskError("field 'body' is empty")
                if len(body) > MAX_BODY_CHARS:
                    raise DeskError(
                        f"message {row['external_id']} is {len(body):,} characters; the limit is {MAX_BODY_CHARS:,}"
                    )
                good.append((i, row if body is row["body"] else dict(row, body=body)))
                results.append((0, False))
            except DeskError as exc:
                results.append(exc)
        dups = self._dups("id", ((r["platform"], r["shop_id"], r["external_id"]) for _, r in good))
        threads = self._tickets(
            "id, first_replied_at, last_agent_msg_at, updated_at",
            ((r["platform"], r["shop_id"], r["thread_id"]) for _, r in good),
        )
        message_id = self._next_message_id()
        inserts, audits = [], []
        for i, r in good:
            dup = dups.get((r["platform"], r["shop_id"], r["external_id"]))
            if dup is not None:
                results[i] = (dup[0], False)
                continue
            ticket = threads.get((r["platform"], r["shop_id"], r["thread_id"]))
            if ticket is None:
                results[i] = DeskError(
                    f"unknown thread {r['thread_id']!r} (a conversation starts with a buyer message)"
                )
                continue
            tid, first, last, updated = ticket
            mid, message_id = message_id, message_id + 1
            created = r["created_at"]
            inserts.append(
                (
                    mid,
                    tid,
                    r["platform"],
                    r["shop_id"],
                    r["external_id"],
                    r["direction"],
                    r.get("author") or "",
                    r["body"],
                    r.get("language") or "",
                    r.get("translation") or "",
                    created,
                )
            )
            if r["direction"] == Direction.OUT.value:
                self._patch(
                    tid,
                    {
                        "first_replied_at": created if first is None else min(first, created),
                        "last_agent_msg_at": created if last is None else max(last, created),
                        "updated_at": max(updated, created),
                    },
                )
            audits.append((f"ticket.import_{r['direction']}", "ticket", tid, None, {"message_id": mid}))
            results[i] = (mid, True)
            self.written[r["platform"], r["shop_id"], r["external_id"]] = (tid, mid)
        self._next_message = message_id
        self.unborn_messages[_HISTORY_COLUMNS].extend(inserts)
        audit_many(store, self.actor, audits)
        return results

    def restore(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, bool] | DeskError]:
        """Ticket state restored from an export (status, subject): the change ``TicketService.update``
        makes with ``event=False`` (no rule fires on history). Per row ``(ticket_id, changed)``."""
        store = self.store
        current = self._tickets(
            "id, status, subject",
            ((r["platform"], r["shop_id"], r["thread_id"]) for r in rows),
        )
        now = store.now()
        results: list[tuple[int, bool] | DeskError] = []
        audits = []
        for r in rows:
            found = current.get((r["platform"], r["shop_id"], r["thread_id"]))
            if found is None:
                results.append(
                    DeskError(
                        f"unknown thread {r['thread_id']!r} (a conversation starts with a buyer message)"
                    )
                )
                continue
            tid, status, subject = found
            before = {"status": status, "subject": subject}
            diff = {k: r[k] for k in ("status", "subject") if k in r and before[k] != r[k]}
            if diff:
                patch = dict(diff, updated_at=now)
                if diff.get("status") in (TicketStatus.SOLVED, TicketStatus.CLOSED):
                    patch["solved_at"] = now
                self._patch(tid, patch)
                audits.append(("ticket.update", "ticket", tid, {k: before[k] for k in diff}, diff))
            results.append((tid, bool(diff)))
        audit_many(store, self.actor, audits)
        return results


def language_and_class(pm: Any, fresh: list[dict[str, Any]]) -> None:
    """The language step and the classification step over messages checked by :func:`_message`, before
    anything is written: ``m["detected"]`` (the message's language, "" when undetermined) and
    ``m["class"]``."""
    if not fresh:
        return
    unknown = [m for m in fresh if not m["language"]]
    for m in fresh:
        m["detected"] = m["language"]
    if unknown:
        for m, guess in zip(unknown, detect_many([m["body"] for m in unknown], pm=pm), strict=True):
            m["detected"] = "" if guess.language == "und" else guess.language
    results = _classifier(pm).classify_texts(
        [m["body"] for m in fresh], [m["detected"] or None for m in fresh]
    )
    for m, r in zip(fresh, results, strict=True):
        m["class"] = r


#: Where :func:`ahead` leaves a buyer message row's checks, language and class.
AHEAD = "_intake_ahead"


def ahead(pm: Any, rows: Sequence[dict[str, Any]]) -> None:
    """What :meth:`Threads.receive` needs of each buyer message row and no database gives, done ahead:
    its checks (or the error that refuses it), its language and its class, kept on the row. The importer
    does this for the next batch while the batch before commits; the rows' ``customer_id`` and
    ``order_id`` may still change (they are read again when the row is received)."""
    checked = []
    for row in rows:
        try:
            row[AHEAD] = m = _message(row)
            checked.append(m)
        except DeskError as exc:  # kept without its traceback: no frame of this call stays alive
            row[AHEAD] = exc.with_traceback(None)
    language_and_class(pm, checked)


def _checked(row: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`_message` of ``row``, or what :func:`ahead` made of it (taken off the row: an error raised
    here must not be held by the row its traceback holds), with its buyer and order now."""
    done = row.get(AHEAD)
    if done is None:
        return _message(row)
    del row[AHEAD]  # type: ignore[attr-defined]
    if isinstance(done, DeskError):
        raise done
    done["customer_id"] = row.get("customer_id")  # ``done`` is this call's alone now: taken off the row
    done["order_id"] = row.get("order_id")
    return done


def _message(row: Mapping[str, Any]) -> dict[str, Any]:
    """The checks of ``TicketService.receive``."""
    body, repaired = clean_text(row["body"])
    external_id = str(row.get("external_id") or "")
    if len(body) > MAX_BODY_CHARS:
        raise DeskError(f"message {external_id} is {len(body):,} characters; the limit is {MAX_BODY_CHARS:,}")
    if not body.strip():
        raise DeskError(f"message {external_id} is empty")
    return {
        "platform": row["platform"],
        "shop_id": row["shop_id"],
        "thread_id": required(str(row.get("thread_id") or ""), "thread id"),
        "external_id": required(external_id, "message external_id"),
        "body": body,
        "repaired": repaired,
        "created_at": int(row["created_at"]),
        "customer_id": row.get("customer_id"),
        "order_id": row.get("order_id"),
        "subject": row.get("subject") or "",
        "language": row.get("language") or "",
        "author": row.get("author") or "",
    }


class _Context:
    """Tiers and order values of a wave's buyers and orders, fetched once (``TicketService._context``);
    ``fresh`` holds the wave's messages as :meth:`Threads.receive` has them (each checked row second),
    ``cache`` those of earlier waves, and takes this wave's."""

    def __init__(
        self,
        store: Store,
        rates: Rates,
        fresh: list,
        tickets: dict,
        cache: tuple[dict[int, int], dict[int, tuple]] | None = None,
    ) -> None:
        customers = {f[1]["customer_id"] for f in fresh if f[1]["customer_id"] is not None}
        orders = {f[1]["order_id"] for f in fresh if f[1]["order_id"] is not None}
        for t in tickets.values():
            customers.add(t[3]) if t[3] is not None else None
            orders.add(t[4]) if t[4] is not None else None
        self.tiers, self.orders = cache if cache is not None else ({}, {})
        self.tiers.update(
            (k, v[0]) for k, v in by_ids(store, "customers", "tier", customers.difference(self.tiers)).items()
        )
        self.orders.update(by_ids(store, "orders", "total_minor, currency", orders.difference(self.orders)))
        self.rates = rates

    def of(self, customer_id: int | None, order_id: int | None) -> tuple[int, float]:
        tier = self.tiers.get(customer_id, 0) if customer_id is not None else 0
        value = 0.0
        if order_id is not None and order_id in self.orders:
            total, currency = self.orders[order_id]
            value = round(self.rates.to_usd(total, currency), 2)
        return tier, value
