"""The queue: which open ticket to answer first.

:class:`QueueService` (``desk.queue``) keeps a column snapshot of the open tickets (numpy arrays, one row
per ticket), follows changes through ``tickets.updated_at`` and re-reads only the rows that changed, scores
with the native kernel (:func:`crossdesk.native.score`) and serves the top N for a filter (platform, shop,
status, intent, tier, language, assignee) with :func:`crossdesk.native.rank` (partial selection). The
snapshot lives on a read session of its own, so a worker builds it while the desk keeps serving.
:meth:`QueueService.page` is the inbox's page: ranked live when the snapshot can serve the filters, by the
stored score otherwise (:func:`live_filters` decides).

:func:`rescore` is the operator's batch (``crossdesk rescore``): it re-scores the whole desk from the
database and writes ``tickets.priority`` back in chunks, each chunk and the run's cursor in one
transaction, so an interrupted run resumes where it stopped with the same clock and ends with the same
priorities as an uninterrupted one.
"""

from crossdesk.queue.rescore import RESCORE_KEY, RescoreReport, rescore
from crossdesk.queue.service import QueueEntry, QueuePage, QueueService, live_filters

__all__ = ["RESCORE_KEY", "QueueEntry", "QueuePage", "QueueService", "RescoreReport", "live_filters", "rescore"]
