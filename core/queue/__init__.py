"""The queue: which open ticket to answer first.

:class:`QueueService` (``desk.queue``) keeps a column snapshot of the open tickets (numpy arrays, one row
per ticket), follows changes through ``tickets.updated_at`` and re-reads only the rows that changed, scores
with the native kernel (:func:`crossdesk.native.score`) and serves the top N for a filter (platform, shop,
status, intent, tier, language, assignee) with :func:`crossdesk.native.rank` (partial selection).

:func:`rescore` is the operator's batch (``crossdesk rescore``): it re-scores the whole desk from the
database and writes ``tickets.priority`` back in chunks, each chunk and the run's cursor in one
transaction, so an interrupted run resumes where it stopped with the same clock and ends with the same
priorities as an uninterrupted one.
"""

from crossdesk.queue.rescore import RESCORE_KEY, RescoreReport, rescore
from crossdesk.queue.service import QueueEntry, QueueService

__all__ = ["RESCORE_KEY", "QueueEntry", "QueueService", "RescoreReport", "rescore"]
