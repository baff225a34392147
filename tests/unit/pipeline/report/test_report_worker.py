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
    monkeypatch.setattr(render, "html", lambda report, cache: f"<html>{report}</html>")
    target = tmp_path / "reports" / "run-r.html"
    job = {"metadata_path": "m", "pipeline_name": "p", "run_id": "r", "path": str(target)}
    _, answer = _served(job)
    assert json.loads(answer) == {"path": str(target.resolve())}
    assert target.read_text() == "<html>report of record</html>"


def test_a_report_that_needs_tensorflows_packages_is_left_to_the_run(tmp_path, monkeypatch):
    from components import protos

    monkeypatch.setattr(runs, "load", lambda *args: "record")

    def needs(record):
        protos.require_packages("recomputing anomalies")

    monkeypatch.setattr(protos, "_standalone", True)
    monkeypatch.setattr(build, "build", needs)
    job = {"metadata_path": "m", "pipeline_name": "p", "run_id": "r", "path": str(tmp_path / "r.html")}
    _, answer = _served(job)
    assert json.loads(answer) == {
        "redo": "recomputing anomalies needs TensorFlow's packages, which this process does not import"
    }
    assert not (tmp_path / "r.html").exists()


# The worker as `vtx run` starts it, then what it imported: its libraries, and none of TensorFlow's packages.
CHILD = """
import io, json, sys
from pipeline.report import worker
sys.stdin = io.StringIO("\\n")
worker.main()
heavy = ("tensorflow", "tensorflow_data_validation", "tensorflow_model_analysis", "tfx", "apache_beam")
print(json.dumps({
    "heavy": [name for name in heavy if name in sys.modules],
    "ahead": all(name in sys.modules for name in worker.AHEAD + worker.PROTOS),
}))
"""


def test_the_worker_loads_its_libraries_and_not_tensorflow():
    import subprocess
    import sys

    from tests.builders.pipeline_runs import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    ready, answer = done.stdout.splitlines()
    assert ready == "ready"
    assert json.loads(answer) == {"heavy": [], "ahead": True}
