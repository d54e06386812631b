"""Amazon's binding flow (SP-API website authorisation, plus the shop's mail account), offered through
``crossdesk_binding_flows`` like any third-party flow (docs/onboarding.md, docs/plugins.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossdesk import hookimpl
from crossdesk.errors import DeskError
from crossdesk.models import BindingFlowSpec, FlowOption
from crossdesk.onboarding.amazon import AmazonFlow, MailBinding

OPTIONS = (
    FlowOption(
        "application_id",
        "the SP-API app's id (amzn1.sp.solution...)",
        True,
        "CROSSDESK_AMAZON_APPLICATION_ID",
    ),
    FlowOption("lwa_client_id", "the app's LWA client id", True, "CROSSDESK_AMAZON_CLIENT_ID"),
    FlowOption("lwa_client_secret", "the app's LWA client secret", True, "CROSSDESK_AMAZON_CLIENT_SECRET"),
    FlowOption("draft", "yes while the app is a draft (the consent URL gets version=beta)"),
    FlowOption(
        "marketplace", "the marketplace id to sync (default: the seller's first; all: each, one shop each)"
    ),
    FlowOption(
        "consent_url", "Seller Central's host for the seller's region (default sellercentral.amazon.com)"
    ),
    FlowOption("lwa_url", "the LWA token endpoint (default api.amazon.com/auth/o2/token)"),
    FlowOption("mail_address", "the mailbox Amazon's relay forwards buyer messages to"),
    FlowOption("mail_password", "its password or app password", False, "CROSSDESK_AMAZON_MAIL_PASSWORD"),
    FlowOption("mail_imap_host", "its IMAP host"),
    FlowOption("mail_smtp_host", "its SMTP host (replies)"),
    FlowOption("mail_imap_port", "IMAP port (default 993)"),
    FlowOption("mail_smtp_port", "SMTP port (default 465)"),
    FlowOption("mail_imap_security", "tls, starttls or none (default tls)"),
    FlowOption("mail_smtp_security", "tls, starttls or none (default tls)"),
    FlowOption("mail_username", "the login, when not the address"),
)

_TRUE = {"1", "yes", "true", "on", "y"}


def mail_binding(options: Mapping[str, Any]) -> MailBinding | None:
    """The mailbox named by the ``mail_*`` options, or None when no ``mail_address`` is given."""
    if not options.get("mail_address"):
        return None
    settings: dict[str, Any] = {}
    for key in ("imap_port", "smtp_port"):
        value = options.get(f"mail_{key}")
        if value:
            if not str(value).isdigit():
                raise DeskError(f"mail_{key} is a port number, not {value!r}")
            settings[key] = int(value)
    for key in ("imap_security", "smtp_security", "username"):
        if options.get(f"mail_{key}"):
            settings[key] = str(options[f"mail_{key}"])
    return MailBinding(
        address=str(options["mail_address"]),
        password=str(options.get("mail_password") or ""),
        imap_host=str(options.get("mail_imap_host") or ""),
        smtp_host=str(options.get("mail_smtp_host") or ""),
        settings=settings,
    )


def build(options: Mapping[str, Any]) -> AmazonFlow:
    """An :class:`AmazonFlow` from the options of ``shops add amazon``; ``base_url`` (a sandbox, or the
    local fake) stands for the SP-API endpoint, and for Seller Central and LWA unless those are given."""
    kw: dict[str, Any] = {}
    base = options.get("base_url")
    if base:
        kw["base_url"] = base
        kw["consent_base"] = base
        kw["lwa_url"] = f"{str(base).rstrip('/')}/auth/o2/token"
    if options.get("consent_url"):
        kw["consent_base"] = options["consent_url"]
    if options.get("lwa_url"):
        kw["lwa_url"] = options["lwa_url"]
    return AmazonFlow(
        application_id=str(options.get("application_id") or ""),
        client_id=str(options.get("lwa_client_id") or ""),
        client_secret=str(options.get("lwa_client_secret") or ""),
        draft=str(options.get("draft") or "").lower() in _TRUE,
        marketplace_id=str(options.get("marketplace") or ""),
        mail=mail_binding(options),
        initial_since=options.get("initial_since"),
        **kw,
    )


@hookimpl
def crossdesk_binding_flows() -> list[BindingFlowSpec]:
    return [BindingFlowSpec("amazon", "Amazon (SP-API website authorisation)", build, OPTIONS)]
