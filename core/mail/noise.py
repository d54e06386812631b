"""Mail no person wrote to us: auto-replies, bounces (DSNs) and bulk mail (RFC 3834, RFC 3464, RFC 2369).

Such mail is never answered by a rule (it makes no ticket and raises no ``message_received``): it is
attached to its thread when it names one, or filed apart, so a loop with another auto-responder ends at
the first round.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

_BOUNCE_SENDER = re.compile(r"(?i)^(mailer-daemon|postmaster|mail-daemon|mail delivery (sub)?system)\b")
_AUTO_SUBJECT = re.compile(
    r"(?i)^(auto(matic)?[ -]?reply|autoreply|out of (the )?office|abwesenheit|automatische antwort"
    r"|réponse automatique|absence|respuesta automática|fuera de la oficina|risposta automatica"
    r"|fuori sede|resposta automática|ausente|automatisch antwoord|afwezig|odpowiedź automatyczna"
    r"|otomatik yanıt|自動応答|自动回复|자동 응답|رد تلقائي)"
)


def classify(msg: EmailMessage, sender: str, subject: str) -> str:
    """``"bounce"``, ``"autoreply"``, ``"bulk"`` or ``""`` (a person wrote it)."""
    ctype = msg.get_content_type()
    if (
        ctype == "multipart/report"
        or _BOUNCE_SENDER.match(sender or "")
        or _BOUNCE_SENDER.match(str(msg.get("From", "")))
    ):
        return "bounce"
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "autoreply"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond"):
        return "autoreply"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence == "auto_reply":
        return "autoreply"
    if precedence in ("bulk", "junk", "list"):
        return "bulk"
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "bulk"
    if _AUTO_SUBJECT.match(subject or ""):
        return "autoreply"
    return ""
