"""The condition language of automation rules and SLA policies.

A condition is ``{"field": ..., "op": ..., "value": ...}``; a set of them is ``{"all": [...], "any": [...]}``.
Two evaluators give the same answers (a parity test holds them to it): :func:`evaluate` over one ticket's
:class:`Facts` (rules on events) and :class:`BulkEvaluator` over a whole desk in SQL (dry runs, time rules,
SLA recomputation).
"""

from crossdesk.conditions.bulk import BulkEvaluator, matching_ids
from crossdesk.conditions.evaluate import (
    Condition,
    Conditions,
    KeywordIndex,
    Vocabulary,
    evaluate,
    parse_condition,
    parse_conditions,
)
from crossdesk.conditions.fields import (
    BUILTIN_FIELDS,
    CHANGE_OPS,
    OPERATORS,
    PRIORITY_LEVELS,
    PRIORITY_RANK,
    Facts,
    FieldSpec,
    RuleError,
    fold,
)
from crossdesk.conditions.shipments import SHIPMENT_FIELDS

BUILTIN_FIELDS.update(SHIPMENT_FIELDS)  # the parcel's fields (docs/tracking.md), in their own module

__all__ = [
    "BUILTIN_FIELDS",
    "CHANGE_OPS",
    "OPERATORS",
    "PRIORITY_LEVELS",
    "PRIORITY_RANK",
    "BulkEvaluator",
    "Condition",
    "Conditions",
    "Facts",
    "FieldSpec",
    "KeywordIndex",
    "RuleError",
    "Vocabulary",
    "evaluate",
    "fold",
    "matching_ids",
    "parse_condition",
    "parse_conditions",
]
