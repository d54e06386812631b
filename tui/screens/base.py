"""What every screen of the desk shares: the gateway, the signed-in actor, service calls in worker threads
whose results come back as typed messages, and the top bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.markup import escape
from textual import events
from textual.app import App
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea
from textual.worker import Worker

from crossdesk.api import Desk
from crossdesk.models import Actor
from crossdesk.tui.messages import Failed
from crossdesk.tui.services import Gateway
from crossdesk.tui.widgets.common import refused


def gateway(app: App) -> Gateway:
    return app.gateway  # type: ignore[attr-defined,no-any-return]


class DeskScreen(Screen):
    """A screen that talks to the desk.

    ``NEEDS`` maps an action to the permission it needs, only to decide whether to offer it (an action the
    role lacks is hidden from the footer, the help and the palette: Textual hides an action whose
    ``check_action`` is False and greys out one whose check is None); the service checks again."""

    NEEDS: ClassVar[dict[str, str]] = {}

    @property
    def gw(self) -> Gateway:
        return gateway(self.app)

    @property
    def actor(self) -> Actor:
        actor = self.gw.actor
        assert actor is not None, "a desk screen needs a signed-in agent"
        return actor

    @property
    def desk(self) -> Desk:
        return self.gw.desk

    def unavailable(self, action: str) -> str | None:
        """Why ``action`` cannot be taken now although the role may (greyed out in the footer, said when
        its key is pressed), or None when it can. Screens override it."""
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = self.NEEDS.get(action)
        if permission and not self.gw.can(permission):
            return False  # hidden: the role cannot do this
        return None if self.unavailable(action) else True  # None: shown greyed out

    def refusal(self, action: str) -> str | None:
        """Why pressing ``action``'s key does nothing: the role may not, or it cannot be done now."""
        permission = self.NEEDS.get(action)
        if permission and not self.gw.can(permission):
            return refused.not_allowed(self.actor.role_name, permission)
        return self.unavailable(action)

    def on_key(self, event: events.Key) -> None:
        """A key whose action is hidden or greyed out (so Textual ignores it): say why instead of nothing
        happening. Characters typed into a field are the field's."""
        if event.is_printable and isinstance(self.focused, Input | TextArea):
            return
        nodes = [self] if self.focused is None else [self.focused, self]  # a widget's keys too (Space)
        bindings = [b for node in nodes for b in node._bindings.key_to_bindings.get(event.key, ())]
        for binding in bindings:
            why = self.refusal(binding.action)
            if why:
                self.notify(why, severity="warning")
                event.stop()
                return

    def call(
        self,
        reply: Callable[[Any], Message],
        fn: Callable[..., Any],
        *args: Any,
        group: str = "service",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker:
        """Run ``fn(*args, **kwargs)`` in a worker thread under the desk lock. What it returns comes back
        to this screen as the message ``reply(result)`` (a :class:`~crossdesk.tui.messages.Result`
        subclass); an error goes to the app as :class:`~crossdesk.tui.messages.Failed`."""
        gw, app = self.gw, self.app

        def job() -> None:
            try:
                result = gw.call(fn, *args, **kwargs)
            except Exception as exc:
                app.post_message(Failed(exc))
                return
            self.post_message(reply(result))

        return self.run_worker(job, thread=True, group=group, exclusive=exclusive)

    def fail(self, error: BaseException) -> None:
        """Show ``error`` the way a worker's error is shown."""
        self.app.post_message(Failed(error))

    def on_mount(self) -> None:
        blink = getattr(self.app, "blink", True)
        for widget in self.query("Input, TextArea"):
            widget.cursor_blink = blink  # type: ignore[attr-defined]


def topbar(app: App, where: str) -> Static:
    actor = gateway(app).actor
    who = str(actor) if actor else "not signed in"
    return Static(f"crossdesk · {where} · {escape(who)}", classes="topbar")
