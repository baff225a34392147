"""Unit tests of how `vtx run` prints its report line: the worker's answer, else the report written in process."""

import io
from types import SimpleNamespace

import pytest

from pipeline.local import execute
from pipeline.report import worker

pytestmark = pytest.mark.unit

CONFIG = SimpleNamespace(metadata_path="m.sqlite", pipeline_name="p", output_root="/out")


def _printed(answer, monkeypatch, written=None) -> tuple:
    jobs = []
    monkeypatch.setattr(worker, "write", lambda job: jobs.append(job) or (written or {"path": "/here.html"}))
    console = io.StringIO()
    execute._write_report(CONFIG, "r1", console, answer)
    return console.getvalue(), jobs


def test_the_workers_answer_is_printed_and_nothing_is_written_again(monkeypatch):
    assert _printed({"path": "/out/reports/run-r1.html"}, monkeypatch) == ("Report: /out/reports/run-r1.html\n", [])
    assert _printed({"not_written": "no run"}, monkeypatch)[0] == "Report: not written (no run)\n"
    printed, _ = _printed({"error": "KeyError: 'x'"}, monkeypatch)
    assert printed == "Report: not written (KeyError: 'x'); see the log file above\n"


@pytest.mark.parametrize("answer", [None, {}, {"unexpected": 1}])
def test_without_an_answer_the_report_is_written_here_by_the_workers_code(answer, monkeypatch):
    printed, jobs = _printed(answer, monkeypatch)
    assert printed == "Report: /here.html\n"
    assert jobs == [
        {"metadata_path": "m.sqlite", "pipeline_name": "p", "run_id": "r1", "path": "/out/reports/run-r1.html"}
    ]
