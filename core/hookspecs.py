"""The hooks a crossdesk plugin can implement (contract names: arguments may grow, never shrink).

Every hook here is documented in docs/plugins.md with its exact signature and an example, and has a test
named ``test_hook_<name>``; both are checked by the test suite.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("crossdesk")
hookimpl = pluggy.HookimplMarker("crossdesk")


# ---- marketplaces --------------------------------------------------------------------------------


@hookspec
def crossdesk_platforms() -> list[Any]:
    """Return a list of :class:`crossdesk.models.PlatformSpec`: marketplaces this plugin connects."""


# ---- language ------------------------------------------------------------------------------------


@hookspec
def crossdesk_translators() -> list[Any]:
    """Return a list of translators: objects with ``name``, ``languages`` and ``translate(texts, source, target)``."""


@hookspec(firstresult=True)
def crossdesk_detect_language(text: str) -> Any:
    """Return a :class:`crossdesk.models.LanguageGuess` for ``text``, or None to let the next plugin answer."""


# ---- after-sales ---------------------------------------------------------------------------------


@hookspec
def crossdesk_return_policies() -> list[Any]:
    """Return a list of return policies: objects with ``id``, ``applies(query)`` and ``evaluate(query)``."""


# ---- classification and automation ---------------------------------------------------------------


@hookspec
def crossdesk_intents() -> dict[str, dict[str, list[str]]]:
    """Return keyword lexicons: ``{intent: {language: [keyword, ...]}}``, merged into classification."""


@hookspec
def crossdesk_rule_actions() -> list[Any]:
    """Return a list of :class:`crossdesk.models.RuleAction`: extra actions automation rules may take."""


@hookspec
def crossdesk_rule_conditions() -> list[Any]:
    """Return a list of :class:`crossdesk.models.RuleCondition`: extra fields rules may test."""


# ---- observers -----------------------------------------------------------------------------------


@hookspec
def crossdesk_event(event: Any) -> None:
    """Observe a :class:`crossdesk.models.Event` (ticket created, replied, case decided...); return nothing."""
