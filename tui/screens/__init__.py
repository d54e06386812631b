"""The screens of the agent TUI, one module each. Screens do not import each other: they post navigation
messages (:mod:`crossdesk.tui.messages`) and the app pushes the screen."""

from __future__ import annotations

from crossdesk.tui.screens.aftersales import AfterSalesScreen
from crossdesk.tui.screens.approvals import ApprovalsScreen
from crossdesk.tui.screens.conversation import ConversationScreen
from crossdesk.tui.screens.customer import CustomerScreen
from crossdesk.tui.screens.dashboard import DashboardScreen
from crossdesk.tui.screens.help import HelpScreen
from crossdesk.tui.screens.inbox import InboxScreen
from crossdesk.tui.screens.settings import SettingsScreen
from crossdesk.tui.screens.signin import SignInScreen
from crossdesk.tui.screens.team import TeamScreen

__all__ = [
    "AfterSalesScreen",
    "ApprovalsScreen",
    "ConversationScreen",
    "CustomerScreen",
    "DashboardScreen",
    "HelpScreen",
    "InboxScreen",
    "SettingsScreen",
    "SignInScreen",
    "TeamScreen",
]
