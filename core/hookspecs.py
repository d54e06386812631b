"""The hooks a crossdesk plugin can implement (**public**, contract names: arguments may grow, never shrink).

Every hook here is documented in docs/plugins.md with its exact signature and an example, and has a test
named ``test_hook_<name>``; both are checked by the test suite. The types a hook exchanges live in
:mod:`crossdesk.models` and :mod:`crossdesk.policy` (both public); see docs/internals.md for what the
objects a hook receives (the desk, a ticket row, an event) hold.

A plugin implements a hook by defining a function of the same name marked with ``@hookimpl``
(``from crossdesk import hookimpl``) that takes any subset of the hook's arguments, by name.
"""

from __future__ import annotations

import pluggy

from crossdesk.carriers import CarrierProvider
from crossdesk.models import (
    BindingFlowSpec,
    Event,
    LanguageGuess,
    Notification,
    PlatformSpec,
    ReviewSourceSpec,
    RuleAction,
    RuleCondition,
    Translator,
)
from crossdesk.policy import Policy

hookspec = pluggy.HookspecMarker("crossdesk")
hookimpl = pluggy.HookimplMarker("crossdesk")


# ---- marketplaces --------------------------------------------------------------------------------


@hookspec
def crossdesk_platforms() -> list[PlatformSpec]:
    """Return the marketplaces this plugin connects, one :class:`~crossdesk.models.PlatformSpec` each."""


@hookspec
def crossdesk_binding_flows() -> list[BindingFlowSpec]:
    """Return the shop binding flows this plugin offers to ``crossdesk shops add``, one spec each."""


@hookspec
def crossdesk_review_sources() -> list[ReviewSourceSpec]:
    """Return reviews apps a shop can be attached to (``crossdesk reviews app``), one spec each."""


# ---- language ------------------------------------------------------------------------------------


@hookspec
def crossdesk_translators() -> list[Translator]:
    """Return machine translators: objects with ``name``, ``languages`` and ``translate(texts, source, target)``."""


@hookspec(firstresult=True)
def crossdesk_detect_language(text: str) -> LanguageGuess | None:
    """Return the language of ``text`` as a :class:`~crossdesk.models.LanguageGuess`, or None to pass."""


# ---- after-sales ---------------------------------------------------------------------------------


@hookspec
def crossdesk_return_policies() -> list[Policy]:
    """Return return policies (:class:`~crossdesk.policy.Policy`): ``id``, ``applies`` and ``evaluate``."""


@hookspec
def crossdesk_carriers() -> list[CarrierProvider]:
    """Return tracking providers, one :class:`~crossdesk.carriers.CarrierProvider` each (docs/tracking.md)."""


# ---- classification and automation ---------------------------------------------------------------


@hookspec
def crossdesk_intents() -> dict[str, dict[str, list[str]]]:
    """Return keyword lexicons, ``{intent: {language: [keyword, ...]}}``, merged into classification."""


@hookspec
def crossdesk_rule_actions() -> list[RuleAction]:
    """Return extra actions automation rules may take, one :class:`~crossdesk.models.RuleAction` each."""


@hookspec
def crossdesk_rule_conditions() -> list[RuleCondition]:
    """Return extra fields rules may test, one :class:`~crossdesk.models.RuleCondition` each."""


# ---- observers -----------------------------------------------------------------------------------


@hookspec
def crossdesk_event(event: Event) -> None:
    """Observe a committed :class:`~crossdesk.models.Event` (ticket created, replied, case decided...); return None."""


@hookspec
def crossdesk_notify(notification: Notification) -> None:
    """Observe a committed :class:`~crossdesk.models.Notification` for an agent; return None."""
