"""``desk.drafts``: each agent's unsent replies, per ticket.

The TUI keeps what the agent types in memory while it runs and hands it here when the agent quits or signs
out (:meth:`DraftService.keep`), and reads it back at sign-in (:meth:`DraftService.load`). One audited
write per keep, not one per keystroke; the audit row names the tickets, not the text."""

from __future__ import annotations

from collections.abc import Mapping

from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.store import Store

#: A draft longer than this is refused (a paste gone wrong), in words, before anything is written.
MAX_DRAFT = 100_000


class DraftService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, actor: Actor) -> dict[int, str]:
        """The actor's drafts, ticket id -> text (none for an actor that is not an agent)."""
        self.store.require(actor, "view")
        if actor.agent_id is None:
            return {}
        rows = self.store.db.execute(
            "SELECT d.ticket_id, d.body FROM drafts d JOIN tickets t ON t.id = d.ticket_id "
            "WHERE d.agent_id = ? ORDER BY d.ticket_id",
            [actor.agent_id],
        )
        return {int(t): body for t, body in rows}

    def keep(self, actor: Actor, drafts: Mapping[int, str]) -> int:
        """Replace the actor's drafts with ``drafts`` (blank ones dropped); returns how many are kept."""
        self.store.require(actor, "view")
        if actor.agent_id is None:
            raise DeskError("only a signed-in agent has drafts")
        kept = {int(t): text for t, text in drafts.items() if text and text.strip()}
        for tid, text in kept.items():
            if len(text) > MAX_DRAFT:
                raise DeskError(f"the draft on ticket #{tid} is longer than {MAX_DRAFT:,} characters")
        before = self.load(actor)
        if before == kept:
            return len(self.load(actor))
        if not kept and not before:
            return 0
        now = self.store.now()
        with self.store.tx():
            self.store.db.execute("DELETE FROM drafts WHERE agent_id = ?", [actor.agent_id])
            self.store.db.conn.executemany(
                "INSERT INTO drafts (agent_id, ticket_id, body, updated_at) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tickets WHERE id = ?)",
                [(actor.agent_id, tid, text, now, tid) for tid, text in kept.items()],
            )
            self.store.audit(
                actor,
                "drafts.keep",
                "agent",
                actor.agent_id,
                {"tickets": sorted(before)},
                {"tickets": sorted(kept)},
            )
        return len(self.load(actor))
