"""Buyers' phone numbers, normalised for bulk intake.

Validating a phone number (``phonenumbers``, pure Python) costs about 40 µs: the costliest check of a buyer,
about a tenth of a cold import's time. :data:`normalise` caches the answers in the process (a sync or a
rerun meets the same numbers again). An import also has :class:`Ahead`, which shares the work with one
worker process on another core: the importer hands it each buyer's number as it reads the line
(:meth:`Ahead.add`), and the worker normalises them in chunks, in file order; when the batch is written,
:meth:`Ahead.ready` normalises here what the worker has not reached, from the batch's last number back,
taking in the worker's answers as they come, so neither side waits for the other. The answers are the
same either way: the worker runs :func:`~crossdesk.customers.identity.normalise_phone` too.

The chunks go to the worker, and its answers come back, through two pipes that the importing thread writes
and reads itself: no thread of this process stands between them. (A ``ProcessPoolExecutor`` moved each
chunk through two threads of its own, each of which had to take the interpreter lock from the importing
thread, a switch interval at a time: its worker waited for work and this process normalised about half as
many numbers again as it does now.) What is in flight never fills either pipe, answers included, so
neither side waits on a write for the other; a chunk larger than a pipe goes only when nothing is in
flight, the worker idle and reading.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Sequence
from functools import lru_cache
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from crossdesk.customers.identity import normalise_phone

Pair = tuple[str, str]  # (phone as given, country as given)

#: The process's cache of answers.
normalise = lru_cache(maxsize=65536)(normalise_phone)

#: Numbers handed to the worker at a time (about 10 ms of its work). The worker starts with the first full
#: chunk, so an import of a few hundred buyers (a sync's page) never starts one.
CHUNK = 256

#: The size asked of each pipe (Linux lets a process enlarge its pipes to 1 MiB; elsewhere they keep
#: theirs): room for about 80 chunks in flight, with their answers.
PIPE_BYTES = 1 << 20

#: An answer's pickled bytes at most: an E.164 number (``+`` and up to 15 digits) or ``""``, with its framing.
ANSWER_BYTES = 24


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
        self._waiting: deque[list[Pair]] = deque()  # full chunks not handed over yet (the pipes are full)
        self._flight: deque[tuple[list[Pair], int]] = deque()  # handed over, not answered: (pairs, bytes)
        self._flight_bytes = 0
        self._known: dict[Pair, str] = {}
        self._process: BaseProcess | None = None
        self._requests: Connection | None = None
        self._answers: Connection | None = None
        self._room = 1 << 15  # half the smaller pipe's size: what may be in flight either way
        self._finishing = False
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
                self._waiting.append(list(self._queued))
                self._queued = {}
                self._collect()

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
        over (their answers are still taken in), so its exit overlaps the work left instead of ending it.
        Chunks the pipes had no room for are handed over as answers come back, then the stop."""
        self._finishing = True
        self._hand_over()

    def close(self) -> None:
        process, self._process = self._process, None
        self._queued.clear()
        self._waiting.clear()
        self._flight.clear()
        self._known.clear()
        for conn in (self._requests, self._answers):
            if conn is not None:
                conn.close()  # the worker reads the end of its work (or fails to write) and ends
        self._requests = self._answers = None
        if process is not None:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()

    @property
    def running(self) -> bool:
        """Whether a worker process runs."""
        return self._process is not None and not self._off

    def _start(self) -> None:
        context = _context()
        requests_in, requests = context.Pipe(duplex=False)
        answers, answers_out = context.Pipe(duplex=False)
        self._room = min(_enlarged(requests), _enlarged(answers_out)) // 2
        process = context.Process(
            target=_serve,
            args=(requests_in, answers_out, os.getpid(), (requests, answers)),
            name="crossdesk-phones",
            daemon=True,
        )
        try:
            process.start()
        finally:
            requests_in.close()  # the worker's ends: this process keeps its own
            answers_out.close()
        self._process, self._requests, self._answers = process, requests, answers

    def _hand_over(self) -> None:
        """Hand the waiting chunks to the worker while the pipes have room for them and their answers
        (one chunk at least when none is in flight: the worker, idle, reads it whatever its size); then,
        once finishing with nothing left, the stop."""
        if self._off:
            return
        try:
            if self._process is None and self._waiting:
                self._start()
            while self._waiting:
                pairs = self._waiting[0]
                data = pickle.dumps(pairs, protocol=pickle.HIGHEST_PROTOCOL)
                answers = (len(self._flight) + 1) * (self.chunk * ANSWER_BYTES + 64)
                if self._flight and (self._flight_bytes + len(data) > self._room or answers > self._room):
                    break
                self._requests.send_bytes(data)  # type: ignore[union-attr]
                self._waiting.popleft()
                self._flight.append((pairs, len(data)))
                self._flight_bytes += len(data)
            if self._finishing and not self._waiting and self._requests is not None:
                self._requests.send_bytes(b"")  # the stop: what was handed over is still answered
                self._finishing = False
        except Exception:  # no worker here (no processes allowed, none could start, it died)
            self._turn_off()

    def _collect(self, timeout: float = 0) -> None:
        """Take in the worker's answers that have come, in the order the chunks were handed over (waiting
        up to ``timeout`` seconds for the first), then hand over what has room now."""
        try:
            while self._flight and self._answers is not None and self._answers.poll(timeout):
                timeout = 0
                answers = pickle.loads(self._answers.recv_bytes())
                if answers is None:  # the worker failed: the rest is answered here
                    self._turn_off()
                    return
                pairs, size = self._flight.popleft()
                self._flight_bytes -= size
                self._known.update(zip(pairs, answers, strict=True))
        except Exception:  # the worker died (EOF) or answered nonsense: the rest is answered here
            self._turn_off()
            return
        self._hand_over()

    def _turn_off(self) -> None:
        self._off = True
        self._waiting.clear()
        self._flight.clear()
        self._flight_bytes = 0


def _serve(requests: Connection, answers: Connection, parent: int, others: Sequence[Connection]) -> None:
    """The worker: chunks in, their answers out, until the stop (an empty message) or the end of the pipe.

    A forked worker inherits the importer's ends of the pipes (closed here, so that it sees the pipe end
    with the importer) and its garbage collector, paused, over the importer's whole heap: the heap is
    frozen (never walked: walking it would copy every page of it) and collection turned back on for what
    the worker makes. A killed importer cannot tell it to stop, and a worker forked beside another may
    hold that one's pipe open: it also ends once its parent is gone."""
    for conn in others:
        conn.close()
    gc.freeze()
    gc.enable()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="crossdesk-phones-parent", daemon=True).start()
    try:
        while data := requests.recv_bytes():
            try:
                result: list[str] | None = normalise_all(pickle.loads(data))
            except Exception:
                result = None
            answers.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            if result is None:
                return
    except (EOFError, OSError):  # the importer closed its ends (or is gone)
        return


def _enlarged(conn: Connection) -> int:
    """Ask for :data:`PIPE_BYTES` of room in ``conn``'s pipe; its size in bytes after."""
    try:
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        return int(fcntl.fcntl(conn.fileno(), fcntl.F_GETPIPE_SZ))
    except (ImportError, AttributeError, OSError):  # not Linux: the least a pipe is known to hold (macOS)
        return 1 << 14


def _context() -> multiprocessing.context.BaseContext:
    # fork is cheapest (the child has phonenumbers loaded already), but not once threads run: a forked
    # child could inherit a lock held by another thread.
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    return multiprocessing.get_context("fork" if forkable else "spawn")
