"""Unit tests of pipeline.local.report_ahead: a ready worker gets the job; any other is stopped and answers None."""

import sys
import time

import pytest

from pipeline.local.report_ahead import ReportAhead

pytestmark = pytest.mark.unit

JOB = {"metadata_path": "m", "pipeline_name": "p", "run_id": "r", "path": "r.html"}


def _worker(body: str) -> ReportAhead:
    return ReportAhead.start([sys.executable, "-c", f"import sys, time, json\n{body}"])


def _ready(ahead: ReportAhead) -> ReportAhead:
    time.sleep(1.0)  # long enough for a Python that prints at once
    return ahead


ECHO = "print('ready', flush=True)\njob = json.loads(sys.stdin.readline())\nprint(json.dumps({'path': job['path']}))"


def test_a_ready_worker_writes_the_submitted_job():
    ahead = _ready(_worker(ECHO))
    assert ahead.submit(JOB)
    assert ahead.result(timeout_seconds=30) == {"path": "r.html"}


def test_a_worker_still_loading_is_stopped_and_the_report_is_written_here():
    ahead = _worker("time.sleep(60)")
    process = ahead._process
    assert not ahead.submit(JOB)
    assert process.poll() is not None
    assert ahead.result() is None


def test_a_worker_that_died_is_not_sent_the_job():
    ahead = _ready(_worker("sys.exit(3)"))
    assert not ahead.submit(JOB) and ahead.result() is None


def test_a_worker_that_does_not_answer_in_time_is_stopped():
    ahead = _ready(_worker("print('ready', flush=True)\nsys.stdin.readline()\ntime.sleep(60)"))
    process = ahead._process
    assert ahead.submit(JOB)
    started = time.monotonic()
    assert ahead.result(timeout_seconds=0.5) is None
    assert time.monotonic() - started < 10 and process.poll() is not None


def test_an_answer_that_is_not_json_is_no_answer():
    ahead = _ready(_worker("print('ready', flush=True)\nsys.stdin.readline()\nprint('Traceback (most recent')"))
    assert ahead.submit(JOB) and ahead.result(timeout_seconds=30) is None


def test_a_worker_that_could_not_start_is_never_ready(tmp_path):
    ahead = ReportAhead.start([str(tmp_path / "no-such-python")])
    assert not ahead.submit(JOB) and ahead.result() is None
    ahead.stop()
