"""Buyers' phone numbers, normalised for bulk intake.

Validating a phone number (``phonenumbers``, pure Python) costs about 40 µs: the costliest check of a buyer,
about a tenth of a cold import's time. :data:`normalise` caches the answers in the process (a sync or a
rerun meets the same numbers again). An import also has :class:`Ahead`, which shares the work with one
worker process on another core: the importer hands it each buyer's number as it reads the line
(:meth:`Ahead.add`), and the worker normalises them in chunks, in file order; when the batch is written,
:meth:`Ahead.ready` normalises here what the worker has not reached, from the batch's last number back,
taking in the worker's answers as they come, so neither side waits for the other. The answers are the
same either way: the worker runs :func:`~crossdesk.customers.identity.normalise_phone` too.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache

from crossdesk.customers.identity import normalise_phone

Pair = tuple[str, str]  # (phone as given, country as given)

#: The process's cache of answers.
normalise = lru_cache(maxsize=65536)(normalise_phone)

#: Numbers handed to the worker at a time (about 10 ms of its work). The worker starts with the first full
#: chunk, so an import of a few hundred buyers (a sync's page) never starts one.
CHUNK = 256


def normalise_all(pairs: Sequence[Pair]) -> list[str]:
    """The worker's task: each ``(phone, country)`` normalised."""
    return [normalise_phone(phone, country) for phone, country in pairs]


class Ahead:
    """Phone numbers normalised by this process and one worker process together (a context manager: the
    worker stops with the block). Should the worker fail (it could not start, it died), it is turned off
    and the numbers are normalised here, as without it."""

    def __init__(self, chunk: int = CHUNK) -> None:
        self.chunk = chunk
        self._queued: dict[Pair, None] = {}
        self._futures: deque[tuple[Future, list[Pair]]] = deque()
        self._known: dict[Pair, str] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._off = False

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, phone: str, country: str) -> None:
        """A number a batch being read will ask for."""
        if not self._off and phone:
            self._queued[phone, country] = None
            if len(self._queued) >= self.chunk:
                self._submit()

    def ready(self, pairs: Sequence[Pair]) -> None:
        """Have every one of ``pairs`` answered (the batch that asks for them is about to be written)."""
        need = [key for key in dict.fromkeys(pairs) if key[0] and key not in self._known]
        for key in reversed(need):
            if key not in self._known:
                self._collect()
                if key not in self._known:
                    self._known[key] = normalise(*key)
            self._queued.pop(key, None)  # answered: not to be handed over (the next batch's numbers stay)

    def get(self, phone: str, country: str) -> str:
        """The normalised number, as :data:`normalise` gives it."""
        found = self._known.get((phone, country))
        return normalise(phone, country) if found is None else found

    def forget(self, pairs: Sequence[Pair]) -> None:
        """Drop the answers to ``pairs`` (their batch is written); those the worker gave for the batch
        read meanwhile stay."""
        for key in pairs:
            self._known.pop(key, None)

    def finish(self) -> None:
        """No more numbers will be added: the worker is told to stop once it has answered those handed
        over (their answers are still taken in), so its exit overlaps the work left instead of ending it."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        self._queued.clear()
        self._futures.clear()
        self._known.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    @property
    def running(self) -> bool:
        """Whether a worker process runs."""
        return self._pool is not None and not self._off

    def _submit(self) -> None:
        pairs, self._queued = list(self._queued), {}
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    1, mp_context=_context(), initializer=_worker_start, initargs=(os.getpid(),)
                )
            self._futures.append((self._pool.submit(normalise_all, pairs), pairs))
        except Exception:  # no worker here (no processes allowed, none could start): answered here
            self._off = True

    def _collect(self) -> None:
        """Take in the worker's finished chunks, in the order they were handed over."""
        while self._futures and self._futures[0][0].done():
            future, pairs = self._futures.popleft()
            try:
                answers = future.result()
            except Exception:  # the worker died or failed: the rest is answered here
                self._off = True
                self._futures.clear()
                return
            self._known.update(zip(pairs, answers, strict=True))


def _worker_start(parent: int) -> None:
    """In the worker: the garbage collector on (a forked worker inherits the importer's, paused), and an
    end once the importer is gone. A killed importer cannot stop its worker, and the worker, waiting for
    work on a pipe it holds both ends of, would never learn of it."""
    gc.enable()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="crossdesk-phones-parent", daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    # fork is cheapest (the child has phonenumbers loaded already), but not once threads run: a forked
    # child could inherit a lock held by another thread.
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    return multiprocessing.get_context("fork" if forkable else "spawn")
