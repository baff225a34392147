"""The request log writer: batches rows into DuckDB off the caller's thread, spools them while the file is
locked by another process, replays the spool without duplicates, and writes everything on close."""

import datetime
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from pipeline.serving.log_sink import DuckDbSink, LogRow, SinkUnavailableError, Spool
from pipeline.serving.log_writer import RequestLogWriter
from pipeline.serving.request_log import COLUMNS, TABLE

pytestmark = pytest.mark.unit

HOLD_LOCK = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"


def _row(i: int) -> LogRow:
    return LogRow(
        endpoint="local",
        deployed_model_id="local",
        logging_time=datetime.datetime(2026, 12, 1, 12, 0, i % 60, tzinfo=datetime.timezone.utc),
        request_id=uuid.uuid4().hex,
        request_payload='{"instances": [{"island": "Dream"}]}',
        response_payload='{"predictions": [{"classes": "Adelie"}]}',
        model_version="1796179557",
        latency_ms=1.25 + i,
    )


def _table(path: Path):
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY latency_ms").fetchall()
    finally:
        connection.close()


def _writer(tmp_path: Path, **kwargs) -> RequestLogWriter:
    options = {"flush_rows": 1000, "flush_seconds": 0.05, "retry_seconds": 0.2, **kwargs}
    return RequestLogWriter(DuckDbSink(tmp_path / "requests.duckdb"), Spool(tmp_path / "spool"), **options)


@pytest.fixture
def locked(tmp_path):
    """Another process holding the DuckDB file, as `vtx monitor` or a notebook might; released by calling it."""
    path = tmp_path / "requests.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"

    def release():
        holder.communicate("", timeout=30)

    yield release
    if holder.poll() is None:
        holder.kill()
        holder.wait()


def test_rows_are_written_in_the_background_with_every_column(tmp_path):
    writer = _writer(tmp_path)
    writer.start()
    rows = [_row(i) for i in range(5)]

    for row in rows:
        assert writer.log(row)
    deadline = time.monotonic() + 10
    while writer.stats.written < 5 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert writer.stats.written == 5, "the thread did not flush within flush_seconds"
    stats = writer.close()
    assert (stats.written, stats.spooled, stats.pending) == (5, 0, 0)
    assert _table(tmp_path / "requests.duckdb") == [
        (r.endpoint, r.deployed_model_id, r.logging_time, r.request_id, r.request_payload, r.response_payload)
        + (r.model_version, r.latency_ms)
        for r in rows
    ]


def test_close_writes_what_is_still_queued(tmp_path):
    writer = _writer(tmp_path, flush_seconds=3600)
    writer.start()

    for i in range(250):
        writer.log(_row(i))
    stats = writer.close()

    assert stats.written == 250
    assert len(_table(tmp_path / "requests.duckdb")) == 250


def test_the_sampling_rate_decides_which_rows_are_kept(tmp_path):
    draws = iter([0.1, 0.6, 0.29, 0.3, 0.99])
    writer = _writer(tmp_path, sampling_rate=0.3, sample=lambda: next(draws))

    kept = [writer.log(_row(i)) for i in range(5)]
    writer.close()

    assert kept == [True, False, True, False, False]
    assert [row[-1] for row in _table(tmp_path / "requests.duckdb")] == [1.25, 3.25]


def test_rows_wait_on_disk_while_the_file_is_locked_and_arrive_once_it_is_free(tmp_path, locked):
    writer = _writer(tmp_path)
    writer.start()
    rows = [_row(i) for i in range(30)]

    started = time.perf_counter()
    for row in rows[:20]:
        writer.log(row)
    assert time.perf_counter() - started < 0.5, "log() must not wait for the sink"
    deadline = time.monotonic() + 10
    while writer.stats.spooled < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert writer.stats.spooled == 20 and writer.stats.failures >= 1
    assert sum(len(batch) for _, batch in Spool(tmp_path / "spool").batches()) == 20

    locked()
    for row in rows[20:]:
        writer.log(row)
    stats = writer.close()

    assert (stats.spooled, stats.pending) == (0, 0)
    assert sorted(r[3] for r in _table(tmp_path / "requests.duckdb")) == sorted(r.request_id for r in rows)
    assert Spool(tmp_path / "spool").batches() == []


def test_rows_still_locked_out_at_close_stay_on_disk_for_the_next_writer(tmp_path, locked):
    rows = [_row(i) for i in range(7)]
    writer = _writer(tmp_path)
    writer.start()
    for row in rows:
        writer.log(row)

    stats = writer.close()
    assert (stats.written, stats.spooled) == (0, 7)
    locked()

    next_writer = _writer(tmp_path)
    assert next_writer.stats.spooled == 7
    next_writer.start()
    assert next_writer.close().spooled == 0
    assert sorted(r[3] for r in _table(tmp_path / "requests.duckdb")) == sorted(r.request_id for r in rows)


def test_a_replayed_batch_that_was_already_written_is_not_written_twice(tmp_path):
    rows = [_row(i) for i in range(4)]
    DuckDbSink(tmp_path / "requests.duckdb").write(rows[:3])
    Spool(tmp_path / "spool").put(rows)  # as if the process died between the write and the spool's removal

    writer = _writer(tmp_path)
    writer.start()
    writer.close()

    assert sorted(r[3] for r in _table(tmp_path / "requests.duckdb")) == sorted(r.request_id for r in rows)


class FlakySink:
    """Refuses every write while `down`; remembers what it was given."""

    def __init__(self):
        self.down, self.rows = True, []

    def write(self, rows, skip_logged=False):
        if self.down:
            raise SinkUnavailableError("the table is locked")
        self.rows += rows


def test_rows_stay_in_memory_when_neither_the_table_nor_the_spool_takes_them(tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    sink = FlakySink()
    writer = RequestLogWriter(sink, Spool(tmp_path / "not-a-folder" / "spool"), 1000, 0.05, 0.05)
    writer.start()
    rows = [_row(i) for i in range(6)]
    for row in rows[:3]:
        writer.log(row)
    time.sleep(0.3)
    assert writer.stats.written == 0 and writer.pending() == 3

    sink.down = False
    for row in rows[3:]:
        writer.log(row)
    stats = writer.close()

    assert (stats.written, stats.spooled, stats.pending) == (6, 0, 0)
    assert [row.request_id for row in sink.rows] == [row.request_id for row in rows]
