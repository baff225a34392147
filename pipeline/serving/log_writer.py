"""Moves logged rows off the request path: a background thread writes them in batches, spooling on failure."""

import collections
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Deque, List, Optional, Protocol, Sequence

from pipeline.serving.log_sink import LogRow, SinkUnavailableError, Spool

log = logging.getLogger(__name__)


class Sink(Protocol):
    def write(self, rows: Sequence[LogRow], skip_logged: bool = False) -> None: ...


@dataclass
class WriterStats:
    """Rows by where they are: in the table, on disk waiting for a retry, in memory waiting for a flush."""

    written: int = 0
    spooled: int = 0
    pending: int = 0
    failures: int = 0


class RequestLogWriter:
    """`log` only appends to a queue; a thread writes the queue every flush_seconds or flush_rows rows.

    A failed write puts the batch in the spool folder (fsynced) and the thread retries the spool after
    retry_seconds; a replayed row that already made it into the table is not written twice. `close`
    writes everything that is left, or spools it, so rows survive a graceful shutdown either way.
    """

    def __init__(
        self,
        sink: Sink,
        spool: Spool,
        flush_rows: int,
        flush_seconds: float,
        retry_seconds: float,
        sampling_rate: float = 1.0,
        sample: Callable[[], float] = random.random,
    ):
        self.sink, self.spool = sink, spool
        self.flush_rows, self.flush_seconds, self.retry_seconds = flush_rows, flush_seconds, retry_seconds
        self.sampling_rate, self._sample = sampling_rate, sample
        self.stats = WriterStats(spooled=spool.count())
        self._queue: Deque[LogRow] = collections.deque()
        self._wake = threading.Event()
        self._stopping = False
        self._retry_at = 0.0
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="request-log-writer", daemon=True)
        self._thread.start()

    def log(self, row: LogRow) -> bool:
        """Queues the row if it is sampled; never blocks and never touches the disk."""
        if self.sampling_rate < 1.0 and self._sample() >= self.sampling_rate:
            return False
        self._queue.append(row)
        if len(self._queue) >= self.flush_rows:
            self._wake.set()
        return True

    def pending(self) -> int:
        return len(self._queue)

    def close(self) -> WriterStats:
        """Stops the thread after a last flush; whatever the sink refuses is left in the spool."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self.flush(final=True)
        self.stats.pending = len(self._queue)
        return self.stats

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()

    def flush(self, final: bool = False) -> None:
        """Retries the spool when due, then writes the queue (or spools it if the sink is down)."""
        with self._lock:
            if final or time.monotonic() >= self._retry_at:
                self._replay_spool()
            batch = self._drain()
            if not batch:
                return
            if time.monotonic() < self._retry_at and not final:
                self._to_spool(batch)
                return
            try:
                self.sink.write(batch)
                self.stats.written += len(batch)
            except SinkUnavailableError as error:
                self._failed(error)
                self._to_spool(batch)

    def _drain(self) -> List[LogRow]:
        batch = []
        while self._queue:
            batch.append(self._queue.popleft())
        return batch

    def _replay_spool(self) -> None:
        for path, rows in self.spool.batches():
            try:
                self.sink.write(rows, skip_logged=True)
            except SinkUnavailableError as error:
                self._failed(error)
                return
            path.unlink()
            self.stats.spooled -= len(rows)
            self.stats.written += len(rows)
            log.info("request log: wrote %d spooled rows from %s", len(rows), path.name)

    def _to_spool(self, batch: List[LogRow]) -> None:
        try:
            path = self.spool.put(batch)
        except OSError as error:
            # Neither the table nor the disk takes the rows now: keep them in memory, oldest first, for the next try.
            self._queue.extendleft(reversed(batch))
            log.error("request log: cannot spool %d rows either (%s); keeping them in memory", len(batch), error)
            return
        self.stats.spooled += len(batch)
        log.warning("request log: %d rows kept in %s until the table can be written", len(batch), path)

    def _failed(self, error: SinkUnavailableError) -> None:
        self.stats.failures += 1
        self._retry_at = time.monotonic() + self.retry_seconds
        log.warning("request log: %s; retrying in %.0f s", error, self.retry_seconds)
