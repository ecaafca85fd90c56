"""Run blocking engine calls off the GUI thread and bring their results back as signals.

Everything slow (the embedder, the index, llama.cpp, helpdesk HTTP, SQLite writes) runs in a
`Job` on the sidebar's `WorkerPool`. A job wraps a plain function `fn(cancel)`:

- if it returns an iterator (a token stream), every item is emitted as `yielded`, and the
  `threading.Event` is checked between items, so a cancelled stream stops within one item;
- otherwise its return value is emitted as `returned`;
- an exception is emitted as `errored` (never raised into Qt: no traceback dialogs);
- `finished` comes last, always.

Every job carries a `tag` (an int from a `Gate`). A ticket switch bumps the gate, which sets the
previous generation's cancel event; slots compare the tag with `gate.current` and drop late
results of an old ticket.

    gate = Gate()
    tag, cancel = gate.bump()            # cancels whatever the previous tag was doing
    pool.submit(lambda ev: engine.search_ticket(ticket), tag, cancel,
                returned=controller.on_search_returned)   # the slot checks gate.is_current(tag)

Mirrors napari's `thread_worker` (yielded/returned/errored/aborted), on QThreadPool.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ui.qtcompat import emit

log = logging.getLogger(__name__)

_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class Gate:
    """A generation counter with one cancel event per generation.

    `bump()` starts a new generation and cancels the previous one: the only way old work stops
    and the only way its late results are recognised (their tag is no longer `current`).
    """

    def __init__(self) -> None:
        self.current = 0
        self._event = threading.Event()

    def bump(self) -> tuple[int, threading.Event]:
        self._event.set()
        self.current += 1
        self._event = threading.Event()
        return self.current, self._event

    def cancel(self) -> None:
        """Cancel the current generation without starting a new one (shutdown)."""
        self._event.set()

    @property
    def event(self) -> threading.Event:
        return self._event

    def is_current(self, tag: int) -> bool:
        return tag == self.current


class JobSignals(QObject):
    """Signals of one job; emitted from the pool thread, delivered queued on the GUI thread.

    Signals:
        yielded(int, object): tag, one item of an iterator result.
        returned(int, object): tag, the return value (None for an iterator that ran out).
        errored(int, object): tag, the exception.
        finished(int): tag; always last.
    """

    yielded = Signal(int, object)
    returned = Signal(int, object)
    errored = Signal(int, object)
    finished = Signal(int)


class Job(QRunnable):
    """One call of `fn(cancel)` on a pool thread. Build through `WorkerPool.submit`."""

    def __init__(
        self, fn: Callable[[threading.Event], Any], tag: int, cancel: threading.Event, name: str = ""
    ) -> None:
        super().__init__()
        # Python owns the runnable (the pool keeps a reference until `finished`): with autoDelete,
        # Qt would delete the C++ object under the Python wrapper.
        self.setAutoDelete(False)
        self.fn = fn
        self.tag = tag
        self.cancel = cancel
        self.name = name or getattr(fn, "__name__", "job")
        self.signals = JobSignals()

    def run(self) -> None:
        signals = self.signals
        try:
            result = self.fn(self.cancel)
            if isinstance(result, Iterator):
                for item in result:
                    if self.cancel.is_set():
                        close = getattr(result, "close", None)
                        if close is not None:
                            close()  # stops the llama.cpp stream and frees the model for the next job
                        break
                    emit(signals.yielded, self.tag, item)
                else:
                    emit(signals.returned, self.tag, None)
            else:
                emit(signals.returned, self.tag, result)
        except BaseException as exc:
            if not isinstance(exc, Exception):
                raise
            log.debug("job %s failed: %r", self.name, exc)
            emit(signals.errored, self.tag, exc)
        finally:
            emit(signals.finished, self.tag)


class WorkerPool(QObject):
    """The sidebar's worker threads. One per app; `shutdown()` before the app quits.

    Signals:
        busy_changed(bool): True when the first job starts, False when the last one ends.
    """

    busy_changed = Signal(bool)

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Own pool, not the global one: tests and shutdown can wait for exactly our threads.
        self._pool = QThreadPool(self)
        # Search, the LLM stream, the tracker poll and one helpdesk call can all be in flight.
        self._pool.setMaxThreadCount(max_threads)
        self._jobs: set[Job] = set()
        _POOLS.add(self)

    def submit(
        self,
        fn: Callable[[threading.Event], Any],
        tag: int = 0,
        cancel: threading.Event | None = None,
        name: str = "",
        *,
        yielded: Callable[[int, Any], None] | None = None,
        returned: Callable[[int, Any], None] | None = None,
        errored: Callable[[int, BaseException], None] | None = None,
        finished: Callable[[int], None] | None = None,
    ) -> Job:
        """Start `fn(cancel)` on a pool thread with these slots connected.

        The slots are connected *before* the job starts: a signal emitted on another thread is
        only queued for the receivers connected at that moment, so connecting after `start()`
        could miss the signals of a job that finishes at once (a demo-helpdesk fetch does).
        """
        job = Job(fn, tag, cancel or threading.Event(), name)
        for signal, slot in (
            (job.signals.yielded, yielded),
            (job.signals.returned, returned),
            (job.signals.errored, errored),
            (job.signals.finished, finished),
        ):
            if slot is not None:
                signal.connect(slot)
        self._jobs.add(job)
        job.signals.finished.connect(lambda _tag, j=job: self._on_job_finished(j))
        if len(self._jobs) == 1:
            emit(self.busy_changed, True)
        self._pool.start(job)
        return job

    def _on_job_finished(self, job: Job) -> None:
        self._jobs.discard(job)
        if not self._jobs:
            emit(self.busy_changed, False)

    @property
    def pending(self) -> int:
        """Jobs submitted whose `finished` has not been delivered yet."""
        return len(self._jobs)

    def active_threads(self) -> int:
        return self._pool.activeThreadCount()

    def cancel_all(self) -> None:
        for job in list(self._jobs):
            job.cancel.set()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the threads; True if they all ended in time."""
        self.cancel_all()
        self._pool.clear()  # queued jobs that never started
        done = self._pool.waitForDone(timeout_ms)
        if done:
            self._jobs.clear()
        if not done:
            log.warning("worker threads still running after %d ms", timeout_ms)
        return done


def live_pools() -> list[WorkerPool]:
    """Every pool not yet garbage-collected (the test suite fails a test that leaves threads)."""
    return list(_POOLS)
