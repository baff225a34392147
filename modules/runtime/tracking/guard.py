"""Keeps a tracker from failing or stalling a run: calls run on one daemon thread, within a budget of time.

The first error or timeout logs one warning line and turns the tracker off for the rest of the process;
training, evaluation and the push go on. A call that hangs (a closed port behind a firewall, a server that
never answers) is abandoned on its daemon thread, so it cannot hold the process at exit either.
"""

import logging
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Dict, List, Mapping, Optional, TypeVar

from modules.runtime.tracking.base import Run
from modules.runtime.tracking.off import NoRun

T = TypeVar("T")
LOGGER = logging.getLogger("vtx.tracking")


class Guard:
    """The on/off switch of one tracker in one process, and its budget: the total time its calls may take."""

    def __init__(self, backend: str, budget_seconds: float):
        self.backend = backend
        self.budget = budget_seconds
        self.spent = 0.0
        self.warnings: List[str] = []
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread: Optional[threading.Thread] = None

    @property
    def off(self) -> bool:
        return bool(self.warnings)

    def call(self, fn: Callable[[], T], default: T) -> T:
        """fn() on the tracker's thread; `default` once the tracker is off, or when fn fails or runs out of time."""
        if self.off:
            return default
        started = time.monotonic()
        future: Future[T] = Future()
        self._worker().put((fn, future))
        try:
            return future.result(timeout=max(self.budget - self.spent, 0.0))
        except FutureTimeout:
            self.fail(f"it took more than its time budget of {self.budget:g} s (tracking.timeout_seconds)")
        except Exception as error:  # noqa: BLE001 - any failure of a tracker client is the tracker's, not the run's
            self.fail(f"{type(error).__name__}: {_one_line(error)}")
        finally:
            self.spent += time.monotonic() - started
        return default

    def fail(self, reason: str) -> None:
        message = f"experiment tracking ({self.backend}) is off for the rest of this run: {reason}"
        self.warnings.append(message)
        LOGGER.warning(message)

    def _worker(self) -> "queue.Queue[Any]":
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=f"tracking-{self.backend}", daemon=True)
            self._thread.start()
        return self._jobs

    def _serve(self) -> None:
        # One thread for every call: clients such as SQLite connections must stay on the thread that made them.
        while True:
            fn, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as error:  # noqa: BLE001 - handed to the caller, who decides
                future.set_exception(error)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] + ("..." if len(text) > 300 else "")


class GuardedRun(Run):
    """A Run whose every call goes through the guard; children share the guard."""

    def __init__(self, guard: Guard, opener: Callable[[], Run]):
        self._guard = guard
        off: Run = NoRun()
        self._run: Run = guard.call(opener, off)

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._guard.call(lambda: self._run.log_params(dict(params)), None)

    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        self._guard.call(lambda: self._run.log_metrics(dict(metrics), step), None)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self._guard.call(lambda: self._run.set_tags(dict(tags)), None)

    def child(self, name: str) -> Run:
        return GuardedRun(self._guard, lambda: self._run.child(name))

    def end(self, failed: bool = False) -> None:
        self._guard.call(lambda: self._run.end(failed), None)

    def where(self) -> Mapping[str, Any]:  # type: ignore[override]
        nothing: Dict[str, Any] = {}
        info = {"backend": self._guard.backend, **self._guard.call(self._run.where, nothing)}
        if self._guard.warnings:
            info["warning"] = self._guard.warnings[0]
        return info

    @property
    def native(self) -> Run:
        """The backend's own run, for a backend-specific Keras callback; a NoRun once the tracker is off."""
        return NoRun() if self._guard.off else self._run
