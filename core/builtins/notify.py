"""The built-in notifiers (a core plugin): ``crossdesk_notify`` to the terminal, the desktop, webhooks.

Each is off until the environment turns it on (the URLs of incoming webhooks hold tokens: they stay in
the environment, never in the desk):

- ``CROSSDESK_NOTIFY=terminal,desktop``: ``terminal`` writes one line to stderr with a bell;
  ``desktop`` runs ``notify-send`` where it exists.
- ``CROSSDESK_NOTIFY_WEBHOOKS``: a JSON list of ``{"url": ..., "style": "slack" | "feishu" |
  "dingtalk", "agents": [names]}`` (``agents`` optional: everyone). Each notification is POSTed as that
  style's incoming-webhook text message. A webhook that fails is logged; it never fails the desk.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.models import Notification

log = logging.getLogger("crossdesk.notify")
ENV_NOTIFY = "CROSSDESK_NOTIFY"
ENV_WEBHOOKS = "CROSSDESK_NOTIFY_WEBHOOKS"
STYLES = ("slack", "feishu", "dingtalk")


def payload(style: str, text: str) -> dict[str, Any]:
    """The incoming-webhook JSON of ``style`` for a text message."""
    if style == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    if style == "dingtalk":
        return {"msgtype": "text", "text": {"content": text}}
    return {"text": text}


def webhooks() -> list[dict[str, Any]]:
    """The configured webhooks; a malformed setting is logged and ignored (one line saying why)."""
    raw = os.environ.get(ENV_WEBHOOKS, "").strip()
    if not raw:
        return []
    try:
        hooks = json.loads(raw)
    except json.JSONDecodeError as exc:
        log.warning("%s is not JSON: %s", ENV_WEBHOOKS, exc)
        return []
    good = []
    for hook in hooks if isinstance(hooks, list) else [hooks]:
        if not isinstance(hook, dict) or not str(hook.get("url", "")).startswith(("http://", "https://")):
            log.warning("%s: each webhook needs an http(s) url", ENV_WEBHOOKS)
            continue
        if hook.get("style", "slack") not in STYLES:
            log.warning("%s: style must be one of %s", ENV_WEBHOOKS, ", ".join(STYLES))
            continue
        good.append(hook)
    return good


@hookimpl
def crossdesk_notify(notification: Notification) -> None:
    text = f"[crossdesk] {notification.agent}: {notification.text}"
    wanted = {x.strip() for x in os.environ.get(ENV_NOTIFY, "").split(",") if x.strip()}
    if "terminal" in wanted:
        print(f"\a{text}", file=sys.stderr, flush=True)
    if "desktop" in wanted and shutil.which("notify-send"):
        try:
            subprocess.run(["notify-send", "crossdesk", text], timeout=5, check=False, capture_output=True)
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("desktop notification failed: %s", exc)
    for hook in webhooks():
        agents = hook.get("agents")
        if agents and notification.agent not in agents:
            continue
        try:
            response = httpx.post(hook["url"], json=payload(hook.get("style", "slack"), text), timeout=5)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("webhook %s failed: %s", hook.get("style", "slack"), exc)
