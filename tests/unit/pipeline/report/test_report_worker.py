"""Unit tests of pipeline.report.worker: ready first, then one answer per job: written, not written, or an error."""

import io
import json

import pytest

from pipeline.report import build, runs, worker

pytestmark = pytest.mark.unit


def _served(job) -> list:
    out = io.StringIO()
    worker.serve(io.StringIO("" if job is None else json.dumps(job) + "\n"), out, worker.write)
    return out.getvalue().splitlines()


def test_it_says_ready_then_stops_without_a_job():
    assert _served(None) == ["ready"]


def test_a_run_the_report_cannot_describe_is_not_written(tmp_path):
    job = {"metadata_path": str(tmp_path / "none.sqlite"), "pipeline_name": "p", "run_id": "r", "path": "x.html"}
    ready, answer = _served(job)
    assert ready == "ready"
    assert set(json.loads(answer)) == {"not_written"} and not (tmp_path / "x.html").exists()


def test_a_failure_is_answered_with_its_type_and_its_traceback_goes_to_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runs, "load", lambda *args: object())

    def broken(record):
        raise KeyError("evaluation")

    monkeypatch.setattr(build, "build", broken)
    job = {"metadata_path": "m", "pipeline_name": "p", "run_id": "r", "path": str(tmp_path / "r.html")}
    _, answer = _served(job)
    assert json.loads(answer) == {"error": "KeyError: 'evaluation'"}
    assert "Traceback" in capsys.readouterr().err


def test_a_written_report_is_answered_with_its_path(tmp_path, monkeypatch):
    from pipeline.report import render

    monkeypatch.setattr(runs, "load", lambda *args: "record")
    monkeypatch.setattr(build, "build", lambda record: f"report of {record}")
    monkeypatch.setattr(render, "html", lambda report: f"<html>{report}</html>")
    target = tmp_path / "reports" / "run-r.html"
    job = {"metadata_path": "m", "pipeline_name": "p", "run_id": "r", "path": str(target)}
    _, answer = _served(job)
    assert json.loads(answer) == {"path": str(target.resolve())}
    assert target.read_text() == "<html>report of record</html>"


def test_what_it_loads_ahead_exists():
    import importlib.util

    assert all(importlib.util.find_spec(name) is not None for name in worker.AHEAD)
