"""Drafts across quitting and restarts (issue 17): the app's in-memory drafts are read back from the desk at
sign-in, and Ctrl+Q with unsent drafts asks first, then keeps them in the desk (``desk.drafts``)."""

from __future__ import annotations

import contextlib
from typing import Any

from crossdesk.tui.widgets.common.modals import ConfirmModal, ErrorModal


class QuitWithDrafts(ConfirmModal):
    """ "Quit with N unsent replies?": y keeps them and quits, n (or Esc) stays."""


def unsent(app: Any) -> dict[int, str]:
    return {t: text for t, text in app.drafts.items() if text and text.strip()}


def restore(app: Any) -> None:
    """Read the signed-in agent's kept drafts into ``app.drafts`` (what is typed already wins)."""
    gw = app.gateway
    try:
        kept = gw.call(gw.desk.drafts.load, gw.actor)
    except Exception as exc:  # the drafts are a convenience: never block the sign-in
        app.notify(f"Your saved drafts could not be read: {exc}", severity="warning")
        return
    for ticket_id, text in kept.items():
        app.drafts.setdefault(ticket_id, text)
    if kept:
        tickets = ", ".join(f"#{t}" for t in sorted(kept))
        app.notify(f"Unsent replies kept from last time: {tickets}.")


def quit_app(app: Any) -> None:
    """Ctrl+Q: quit at once without drafts; with drafts, ask, then keep them in the desk and quit."""
    drafts = unsent(app)
    if isinstance(app.screen, QuitWithDrafts):  # Ctrl+Q again on the question: that is a yes
        app.screen.dismiss(True)
        return
    if app.gateway.actor is None:
        app.exit()
        return
    if not drafts:
        gw = app.gateway
        # The drafts sent or cleared since the last keep are forgotten too; best effort: quitting
        # without drafts never fails for this.
        with contextlib.suppress(Exception):
            gw.call(gw.desk.drafts.keep, gw.actor, {})
        app.exit()
        return
    tickets = ", ".join(f"#{t}" for t in sorted(drafts))
    n = len(drafts)
    body = (
        f"You have {n} unsent repl{'y' if n == 1 else 'ies'} (ticket {tickets}).\n"
        "They are kept and come back when you sign in again. Quit now?"
    )

    def answer(yes: bool | None) -> None:
        if not yes:
            return
        gw = app.gateway
        try:
            gw.call(gw.desk.drafts.keep, gw.actor, drafts)
        except Exception as exc:
            app.push_screen(ErrorModal(f"The drafts could not be kept, so the app stays open: {exc}"))
            return
        app.exit()

    app.push_screen(QuitWithDrafts("Quit", body, "Keep and quit"), answer)
