"""Case types, states and the transitions between them: one table the service, the CLI and the TUI share."""

from __future__ import annotations

from crossdesk.models import CaseType

REQUESTED = "requested"
APPROVED = "approved"
DECLINED = "declined"
LABEL_ISSUED = "label_issued"
IN_TRANSIT = "in_transit"
RECEIVED = "received"
REFUNDED = "refunded"
REPLACEMENT_SHIPPED = "replacement_shipped"
CLOSED = "closed"
EXCEPTION = "exception"

STATES = (
    REQUESTED,
    APPROVED,
    DECLINED,
    LABEL_ISSUED,
    IN_TRANSIT,
    RECEIVED,
    REFUNDED,
    REPLACEMENT_SHIPPED,
    CLOSED,
    EXCEPTION,
)
OPEN_STATES = frozenset(STATES) - {CLOSED}
CASE_TYPES = tuple(t.value for t in CaseType)

#: action -> (states it may start from, state it leads to). ``refund`` from ``refunded`` is a further
#: partial refund; an approved refund or cancellation may be refunded without goods coming back.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({REQUESTED, EXCEPTION}), APPROVED),
    "decline": (frozenset({REQUESTED, EXCEPTION}), DECLINED),
    "issue_label": (frozenset({APPROVED}), LABEL_ISSUED),
    "ship_back": (frozenset({APPROVED, LABEL_ISSUED}), IN_TRANSIT),
    "receive": (frozenset({APPROVED, LABEL_ISSUED, IN_TRANSIT}), RECEIVED),
    "refund": (frozenset({APPROVED, RECEIVED, REFUNDED}), REFUNDED),
    "ship_replacement": (frozenset({RECEIVED, APPROVED}), REPLACEMENT_SHIPPED),
    "close": (frozenset({DECLINED, REFUNDED, REPLACEMENT_SHIPPED, EXCEPTION}), CLOSED),
    "flag": (frozenset(OPEN_STATES - {EXCEPTION}), EXCEPTION),
}

#: Which permission each step needs (crossdesk.store.permissions): opening a case, then each action.
PERMISSIONS = {
    "open": "handle_cases",
    "approve": "approve_returns",
    "decline": "approve_returns",
    "issue_label": "handle_cases",
    "ship_back": "handle_cases",
    "receive": "handle_cases",
    "refund": "refund",
    "ship_replacement": "handle_cases",
    "close": "handle_cases",
    "flag": "handle_cases",
}

#: Types whose goods come back (a refund needs them received first, unless the case says otherwise).
GOODS_COME_BACK = frozenset({CaseType.RETURN.value, CaseType.EXCHANGE.value})
