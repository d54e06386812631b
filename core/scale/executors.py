"""Where partitions run: in this process, or on a Dask cluster (``dask.distributed``).

Both give :meth:`map_ordered`: apply a function to each partition and yield the results in the order the
partitions were given, with at most ``window`` partitions in flight, so the writer commits them in order
(an interrupted run resumes from a cursor) while the workers stay busy. Dask recomputes the partitions of
a worker it loses; each future's result still arrives here once, so each partition is written once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from crossdesk.errors import DeskError


class InProcess:
    """The single-process path: each partition in this process, one after the other."""

    workers = 1
    where = "in this process"

    def warm(self, fn: Callable[[], Any]) -> None:
        fn()

    def map_ordered(
        self, fn: Callable[..., Any], partitions: Iterable[tuple], window: int = 0
    ) -> Iterator[Any]:
        for args in partitions:
            yield fn(*args)


class OnDask:
    """Partitions as tasks of a ``distributed.Client``."""

    def __init__(self, client: Any, where: str) -> None:
        self.client = client
        self.where = where
        self.workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))

    def warm(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` once on every worker (to load what each task would load first)."""
        self.client.run(fn)

    def map_ordered(
        self, fn: Callable[..., Any], partitions: Iterable[tuple], window: int = 0
    ) -> Iterator[Any]:
        window = window or 2 * self.workers
        pending: deque[Any] = deque()
        for args in partitions:
            # pure=False: two partitions with equal data are still two tasks (ids differ anyway).
            pending.append(self.client.submit(fn, *args, pure=False))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[InProcess | OnDask]:
    """``scheduler``: connect to that cluster; ``workers``: start a ``LocalCluster`` of that many worker
    processes (one thread each); neither: :class:`InProcess`."""
    if scheduler is None and not workers:
        yield InProcess()
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DeskError("--workers and --scheduler need Dask: pip install 'crossdesk[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise DeskError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield OnDask(client, f"the cluster at {scheduler}")
        finally:
            client.close()
        return
    import dask

    # One thread per worker process, lingua's detection pool included (it would otherwise start a thread
    # per core in every worker, and N workers would fight over the cores).
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ"), "RAYON_NUM_THREADS": 1}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(
            n_workers=int(workers or 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
    client = Client(cluster)
    try:
        yield OnDask(client, f"a local cluster of {workers} worker process(es)")
    finally:
        client.close()
        cluster.close()
