"""Batch work on a Dask cluster: re-detect, re-classify and re-score a desk's backlog in partitions.

The desk's SQLite file stays the one writer: partitions of ids and texts go out to the workers (a
``LocalCluster`` of worker processes, or an existing cluster's scheduler), results come back and are written
in batches by the process that holds the desk. A worker never opens the database. Without Dask the same
partitions run in this process, through the same functions, with the same results. See docs/scale.md.
"""

from crossdesk.scale.executors import InProcess, open_executor
from crossdesk.scale.reprocess import ReprocessReport, reprocess

__all__ = ["InProcess", "ReprocessReport", "open_executor", "reprocess"]
