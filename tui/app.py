"""The agent TUI: the App. Screens live in :mod:`crossdesk.tui.screens`, widgets in
:mod:`crossdesk.tui.widgets` (one folder per area).

The app signs the agent in, pushes the screen a screen asks for (navigation messages), shows errors in
plain words and runs slow work (re-score, sync, translation) in a worker with a progress bar. Screens call
services through :class:`~crossdesk.tui.services.Gateway` in worker threads and render what comes back as
typed messages (:mod:`crossdesk.tui.messages`); they hold no SQL and no business rules. Actions a role
may not take are not offered, and the services check again on every call.

Open it with ``crossdesk tui`` or :func:`run`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widgets import ProgressBar

from crossdesk.api import Desk
from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor
from crossdesk.tui import query
from crossdesk.tui.commands import ScreenActions
from crossdesk.tui.keys import load_config, report_clashes
from crossdesk.tui.messages import (
    Failed,
    OpenAfterSales,
    OpenApprovals,
    OpenCustomer,
    OpenDashboard,
    OpenSettings,
    OpenTeam,
    OpenTicket,
    Progress,
    SlowDone,
)
from crossdesk.tui.screens import (
    AfterSalesScreen,
    ApprovalsScreen,
    ConversationScreen,
    CustomerScreen,
    DashboardScreen,
    HelpScreen,
    InboxScreen,
    SettingsScreen,
    SignInScreen,
    TeamScreen,
)
from crossdesk.tui.services import Gateway
from crossdesk.tui.widgets import drafts as kept_drafts
from crossdesk.tui.widgets.common import refused
from crossdesk.tui.widgets.common.modals import ConfirmModal, ErrorModal, PickModal, PromptModal, ResultsModal
from crossdesk.tui.widgets.inbox.legend import LegendModal
from crossdesk.tui.widgets.inbox.queue_view import QueueView
from crossdesk.tui.widgets.score import ScoreModal

#: Errors a user can cause or meet: shown in plain words. Anything else is a bug and says so.
PLAIN_ERRORS = (DeskError, PermissionDenied, ValueError, query.QueryError)

#: Slow work: given ``progress(done, total)``, returns its result.
SlowJob = Callable[[Callable[[int, int], None]], Any]


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, PermissionDenied):
        return refused.describe(exc)
    if isinstance(exc, PLAIN_ERRORS):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


SCREENS_WITH_BINDINGS = (
    SignInScreen,
    InboxScreen,
    ConversationScreen,
    CustomerScreen,
    AfterSalesScreen,
    DashboardScreen,
    TeamScreen,
    ApprovalsScreen,
    SettingsScreen,
    HelpScreen,
    QueueView,
    ConfirmModal,
    ErrorModal,
    PromptModal,
    PickModal,
    ResultsModal,
    ScoreModal,
    LegendModal,
)


class CrossdeskApp(App):
    """The crossdesk agent TUI on one desk."""

    CSS_PATH = "app.tcss"
    TITLE = "crossdesk"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys of this screen"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        desk: Desk,
        agent: str | None = None,
        *,
        config_path: Path | None = None,
        blink: bool = True,
        warm_up: bool = True,
        trusted: Actor | None = None,
    ) -> None:
        super().__init__()
        self.gateway = Gateway(desk)
        self.agent_name = agent
        # On a shared desk, the agent the command line already knows (session or OS user): signed in
        # without a password. Anyone else types theirs (docs/team.md).
        self.trusted = trusted
        self.notify_every = 10.0  # seconds between looks for the agent's new notifications
        self.blink = blink
        self.warm_up = warm_up  # read the first conversation in the background after first paint
        self.drafts: dict[int, str] = {}  # ticket id -> unsent text, kept across screens and errors
        self.config = load_config(config_path, known_ids=binding_ids())
        report_clashes(self.config, binding_groups())

    def on_mount(self) -> None:
        self.set_interval(self.notify_every, self._look_for_notifications)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        for problem in self.config.problems:
            self.notify(problem, severity="warning", timeout=8)
        if self.agent_name:
            try:
                self.sign_in(self.agent_name)
                return
            except DeskError as exc:
                self.notify(str(exc), severity="error")
        self.push_screen(SignInScreen())

    def _look_for_notifications(self) -> None:
        if self.gateway.actor is not None:
            self._fetch_notifications()

    @work(thread=True, exclusive=True, group="notifications")
    def _fetch_notifications(self) -> None:
        """The signed-in agent's new notifications (assigned, SLA, approvals) as toasts, marked read."""
        gw = self.gateway
        actor = gw.actor
        if actor is None:
            return
        try:
            rows = gw.call(gw.desk.notifications.unread, actor)
            gw.call(gw.desk.notifications.mark_read, actor, [r["id"] for r in rows])
        except Exception:  # a look that fails is tried again at the next tick
            return
        for row in rows:
            self.call_from_thread(self.notify, row["text"], title="crossdesk", timeout=8)

    def sign_in(self, name: str, password: str | None = None) -> None:
        """Sign ``name`` in and show the inbox. Raises DeskError for an unknown or inactive agent, and on a
        shared desk for a wrong or missing password (each try audited, the 10th in a minute slowed)."""
        gw = self.gateway
        signin = gw.desk.team.signin
        if password is not None:
            actor = gw.call(signin.authenticate, name, password)
        elif gw.call(signin.shared):
            if self.trusted is None or self.trusted.name != name:
                raise DeskError("this desk is shared: type your password")
            actor = self.trusted
        else:
            actor = gw.call(gw.desk.actor_for, name)
        gw.actor = actor
        kept_drafts.restore(self)
        if isinstance(self.screen, SignInScreen):
            self.switch_screen(InboxScreen())
        else:
            self.push_screen(InboxScreen())

    def action_quit(self) -> None:  # type: ignore[override]
        kept_drafts.quit_app(self)

    # ---- where screens ask to go --------------------------------------------------------------------

    @on(OpenTicket)
    def _open_ticket(self, message: OpenTicket) -> None:
        self.push_screen(ConversationScreen(message.ticket_id))

    @on(OpenCustomer)
    def _open_customer(self, message: OpenCustomer) -> None:
        self.push_screen(CustomerScreen(message.customer_id))

    @on(OpenAfterSales)
    def _open_aftersales(self, message: OpenAfterSales) -> None:
        self.push_screen(AfterSalesScreen(message.order_id, ticket_id=message.ticket_id))

    @on(OpenDashboard)
    def _open_dashboard(self) -> None:
        self.push_screen(DashboardScreen())

    @on(OpenTeam)
    def _open_team(self) -> None:
        self.push_screen(TeamScreen())

    @on(OpenSettings)
    def _open_settings(self) -> None:
        self.push_screen(SettingsScreen())

    @on(OpenApprovals)
    def _open_approvals(self) -> None:
        self.push_screen(ApprovalsScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    # ---- errors ---------------------------------------------------------------------------------------

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.show_error(message.error)

    def show_error(self, exc: BaseException) -> None:
        title = "Not allowed" if isinstance(exc, PermissionDenied) else "That did not work"
        self.push_screen(ErrorModal(describe_error(exc), title))

    # ---- slow work ------------------------------------------------------------------------------------

    def run_slow(
        self, label: str, job: SlowJob, reply: Callable[[Any], Message], target: MessagePump
    ) -> None:
        """Run slow work (sync, re-score, translation) in a worker with a progress bar; the UI stays live.
        ``reply(result)`` is posted to ``target`` when it is done; an error is shown instead."""
        self._slow(label, job, reply, target)

    @work(thread=True, exclusive=True, group="slow")
    def _slow(self, label: str, job: SlowJob, reply: Callable[[Any], Message], target: MessagePump) -> None:
        self.post_message(Progress(label, 0, 0))
        try:
            result = job(lambda done, total: self.post_message(Progress(label, done, total)))
        except Exception as exc:
            self.post_message(Progress(label, -1, -1))
            self.post_message(Failed(exc))
            return
        self.post_message(Progress(label, -1, -1))
        # A result that can say what it really did (how much was translated) says it instead of "done".
        self.post_message(SlowDone(label, getattr(result, "headline", ""), bool(getattr(result, "warn", False))))
        target.post_message(reply(result))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        # Every screen in the stack: the bar's screen may be under a modal (an error, a confirmation).
        bars = [
            bar
            for screen in self.screen_stack
            for bar in screen.query("#queue-progress").results(ProgressBar)
        ]
        for bar in bars:
            if message.done < 0:
                bar.remove_class("busy")
            else:
                bar.add_class("busy")
                bar.update(total=message.total or None, progress=message.done)
        if message.done == 0:
            self.notify(f"{message.label}…", timeout=2)

    @on(SlowDone)
    def _slow_done(self, message: SlowDone) -> None:
        if message.detail:
            self.notify(f"{message.label}: {message.detail}", severity="warning" if message.warn else "information")
        else:
            self.notify(f"{message.label}: done.")


def binding_ids() -> set[str]:
    """Every binding id the app defines (for checking the user's key map)."""
    ids = set()
    for cls in (*SCREENS_WITH_BINDINGS, CrossdeskApp):
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def binding_groups() -> dict[str, list[tuple[str, str]]]:
    """Each screen's bindings with the app's own, as ``(id, default keys)``: where two may clash."""
    own = [(b.id, b.key) for b in CrossdeskApp.BINDINGS if isinstance(b, Binding) and b.id]
    return {
        cls.__name__: [(b.id, b.key) for b in cls.BINDINGS if isinstance(b, Binding) and b.id] + own
        for cls in SCREENS_WITH_BINDINGS
    }


def run(db_path: str | Path | None, agent: str | None = None, trusted: Actor | None = None) -> None:
    """Open the TUI on the desk at ``db_path`` (the default desk when None), signed in as ``agent`` when
    given. Used by ``crossdesk tui``, ``crossdesk demo`` and ``crossdesk.cli.common.open_tui``."""
    desk = Desk.open(db_path)
    try:
        CrossdeskApp(desk, agent, trusted=trusted).run()
    finally:
        desk.close()
