"""Unit tests of how `vtx run` prints its report line: the worker's answer, else the report written in process."""

import io
import os
from types import SimpleNamespace

import pytest

from pipeline.local import execute
from pipeline.report import worker
from pipeline.tracking.worker import RELAY_ENV

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


@pytest.mark.parametrize("answer", [None, {}, {"unexpected": 1}, {"redo": "recomputing needs TensorFlow"}])
def test_without_an_answer_the_report_is_written_here_by_the_workers_code(answer, monkeypatch):
    printed, jobs = _printed(answer, monkeypatch)
    assert printed == "Report: /here.html\n"
    assert jobs == [
        {"metadata_path": "m.sqlite", "pipeline_name": "p", "run_id": "r1", "path": "/out/reports/run-r1.html"}
    ]


ASKED_WITHIN: list = []
RELAYS: list = []


class _Worker:
    """A stand-in for pipeline.local.ahead.Ahead that writes down what the run does with it."""

    def __init__(self, name, events):
        self.name, self.events = name, events

    def ready(self, timeout_seconds=0.0):
        self.events.append(f"{self.name} waited for")
        return True

    def submit(self, job):
        self.events.append(f"{self.name} job")
        return True

    def ask(self, job, timeout_seconds):
        self.events.append(f"{self.name} job")
        ASKED_WITHIN.append(timeout_seconds)
        return {"backend": "mlflow", "run": "x"}

    def result(self, timeout_seconds=120.0):
        return {"not_written": "test"}

    def stop(self):
        self.events.append(f"{self.name} stopped")


def _events(monkeypatch, tmp_path, new_store, forks=False) -> list:
    """What `vtx run` does, in order, with its two workers, its runner import and its nodes."""
    import contextlib

    from pipeline.local import ahead, imports, logs, preflight, tracker_ahead
    from pipeline.registry import local as registry
    from pipeline.tracking import outcome

    events: list = []
    monkeypatch.setattr(preflight, "check_data", lambda config, note: [])
    monkeypatch.setattr(registry, "LocalRegistry", lambda *a: SimpleNamespace(mark_staged=lambda version: None))
    monkeypatch.setattr(tracker_ahead, "new_store", lambda config: tmp_path / "mlflow.db" if new_store else None)
    monkeypatch.setattr(
        tracker_ahead,
        "start",
        lambda config, store, relay: (
            events.append("tracker started") or RELAYS.append(relay) or _Worker("tracker", events)
        ),
    )
    monkeypatch.setattr(
        ahead.Ahead,
        "start",
        classmethod(lambda cls, command: events.append("report started") or _Worker("report", events)),
    )
    monkeypatch.setattr(imports, "import_runner", lambda: events.append("runner imported") or SimpleNamespace)
    monkeypatch.setattr(execute.forked_workers, "warm", lambda: events.append("warm process started"))
    monkeypatch.setattr(logs, "capture", lambda path, verbose: contextlib.nullcontext(io.StringIO()))
    monkeypatch.setattr(outcome, "record", lambda config, run_id, nodes, failed, ahead: ahead({"run_id": run_id}))

    def run(config, context, console, before_nodes):
        before_nodes()
        assert os.environ[RELAY_ENV] == RELAYS[-1]  # the nodes' tracking calls go to the tracker's socket
        events.append("nodes ran")
        return 1

    monkeypatch.setattr(execute, "_run", run)
    monkeypatch.setattr(execute, "_record_facts", lambda *a: None)
    config = SimpleNamespace(
        profile="local", data_root=str(tmp_path), log_dir=str(tmp_path), serving_dir="s",
        metadata_path=str(tmp_path / "none.sqlite"), pipeline_name="p", output_root=str(tmp_path),
        tracking=SimpleNamespace(timeout_seconds=20.0, backend="mlflow"),
        beam_args=lambda: ["--direct_running_mode=multi_processing"] if forks else [],
    )  # fmt: skip
    assert execute.execute(config, "commit", verbose=False) == 1
    assert RELAY_ENV not in os.environ  # named for the run only
    return events


def test_with_no_store_to_make_both_workers_start_before_the_runners_import(monkeypatch, tmp_path):
    # A no-op run is over about a second after its imports: workers started only then are never ready.
    events = _events(monkeypatch, tmp_path, new_store=False)
    assert events[:4] == ["tracker started", "report started", "runner imported", "nodes ran"]
    assert "tracker waited for" not in events  # nothing to wait for: it is asked, or stopped, at the end
    assert events[4:6] == ["report job", "tracker job"]  # the report drawn while the outcome is recorded
    assert {"tracker stopped", "report stopped"} <= set(events[6:])
    assert ASKED_WITHIN[-1] == 20.0 + execute.TRACKER_GRACE  # the tracker's own budget, and then some


def test_while_a_new_store_is_made_the_nodes_and_the_report_worker_wait_for_it(monkeypatch, tmp_path):
    # The tracker has the second core while the runner is imported; the report worker takes it afterwards.
    events = _events(monkeypatch, tmp_path, new_store=True)
    assert events[:5] == ["tracker started", "runner imported", "tracker waited for", "report started", "nodes ran"]
    assert events.count("report started") == 1 and {"tracker stopped", "report stopped"} <= set(events)


def test_the_beam_workers_warm_process_starts_before_the_runners_import_when_they_are_forked(monkeypatch, tmp_path):
    # It imports TensorFlow and Beam on the second core while this process imports them on the first.
    events = _events(monkeypatch, tmp_path, new_store=False, forks=True)
    assert events[:4] == ["tracker started", "report started", "warm process started", "runner imported"]
    assert "warm process started" not in _events(monkeypatch, tmp_path, new_store=False, forks=False)
