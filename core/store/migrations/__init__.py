"""Numbered schema migrations, listed here in number order (see :mod:`crossdesk.store.db`).

Each is a module ``mNNNN_<name>`` with ``up(db)``. They are imported by name below rather than found by a
directory scan, so the import graph (and the layers contract) sees every one of them.
"""

from crossdesk.store.migrations import (
    m0001_initial,
    m0010_queue,
    m0020_aftersales,
    m0030_automation,
    m0040_translation,
    m0050_inbox_order,
    m0060_typed_outbox,
    m0070_mail,
    m0080_tracking,
    m0090_llm_usage,
    m0091_translation_provenance,
    m0100_customer_segments,
    m0101_surveys,
    m0102_outreach,
    m0110_ticket_facts,
    m0111_quality,
    m0120_shifts,
    m0121_approvals,
    m0122_roles,
    m0123_notifications,
    m0130_intake,
    m0131_automate,
    m0140_requests,
    m0150_drafts,
    m0160_credential_hosts,
    m0170_reviews,
)

#: Every migration module, oldest first.
MODULES = (
    m0001_initial,
    m0010_queue,
    m0020_aftersales,
    m0030_automation,
    m0040_translation,
    m0050_inbox_order,
    m0060_typed_outbox,
    m0070_mail,
    m0080_tracking,
    m0090_llm_usage,
    m0091_translation_provenance,
    m0100_customer_segments,
    m0101_surveys,
    m0102_outreach,
    m0110_ticket_facts,
    m0111_quality,
    m0120_shifts,
    m0121_approvals,
    m0122_roles,
    m0123_notifications,
    m0130_intake,
    m0131_automate,
    m0140_requests,
    m0150_drafts,
    m0160_credential_hosts,
    m0170_reviews,
)
