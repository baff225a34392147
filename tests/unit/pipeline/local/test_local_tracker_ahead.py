"""The run's tracker in a process of its own: the store made ahead when new, then the outcome recorded there."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.config.loader import load_config
from pipeline.local import tracker_ahead
from pipeline.tracking import outcome
from pipeline.tracking.worker import RELAY_ENV

pytestmark = pytest.mark.unit

RESULT = {"metrics": {"eval.accuracy": 0.97}, "tags": {"vtx.verdict": "BLESSED"}, "failed": False}


def config_for(output: Path, *overrides: str):
    return load_config(overrides=[f"output_root={output}", *overrides], environ={})


def _rows(store: Path, sql: str) -> list:
    with sqlite3.connect(store) as db:
        return list(db.execute(sql))


def test_a_new_embedded_store_is_made_ahead_then_the_outcome_is_recorded_by_the_worker(tmp_path):
    config = config_for(tmp_path / "out")
    assert tracker_ahead.new_store(config) == tmp_path / "out" / "mlflow.db"
    tracker = tracker_ahead.start(config, tracker_ahead.new_store(config))
    try:
        assert tracker.ready(timeout_seconds=120)
        store = tmp_path / "out" / "mlflow.db"
        assert config.tracking_settings()["experiment"] in [
            row[0] for row in _rows(store, "select name from experiments")
        ]
        assert tracker_ahead.new_store(config) is None  # made once: the next run opens it

        answers: list = []
        where = outcome.record(
            config, "r-1", {}, False, lambda job: answers.append(tracker.ask(job, 120)) or answers[0]
        )
    finally:
        tracker.stop()
    assert where["backend"] == "mlflow" and "warning" not in where
    assert answers == [where]  # recorded by the worker, not by this process
    tags = dict(_rows(store, f"select key, value from tags where run_uuid = '{where['run']}'"))
    assert tags["vtx.mlmd_run_id"] == "r-1" and tags["vtx.verdict"] == "INCOMPLETE"
    assert _rows(store, f"select status from runs where run_uuid = '{where['run']}'") == [("FINISHED",)]


def test_a_worker_that_is_not_ready_leaves_the_record_to_the_runs_process(tmp_path):
    config = config_for(tmp_path / "out")
    asked = []

    where = outcome.record(config, "r-2", {}, failed=True, ahead=lambda job: asked.append(job))

    assert asked == [{"run_id": "r-2", "outcome": outcome.outcome("r-2", {}, failed=True)}]
    assert where["backend"] == "mlflow" and "warning" not in where
    tags = dict(_rows(tmp_path / "out" / "mlflow.db", f"select key, value from tags where run_uuid = '{where['run']}'"))
    assert tags["vtx.verdict"] == "FAILED"


def test_with_tracking_off_no_process_starts_and_nothing_is_made(tmp_path):
    config = config_for(tmp_path / "out", "tracking.backend=none")

    assert tracker_ahead.new_store(config) is None
    tracker = tracker_ahead.start(config, tracker_ahead.new_store(config))
    assert tracker._process is None and not tracker.ready(timeout_seconds=1)
    assert outcome.record(config, "r-3", {}, failed=False, ahead=lambda job: pytest.fail("asked")) == {
        "backend": "none"
    }
    assert not (tmp_path / "out").exists()


def test_a_tracking_server_is_not_a_store_to_make(tmp_path):
    config = config_for(tmp_path / "out", "tracking.uri=http://127.0.0.1:9/")
    assert tracker_ahead.new_store(config) is None


def test_the_worker_serves_the_runs_tracking_calls_at_its_socket(tmp_path):
    config = config_for(tmp_path / "out")
    with tracker_ahead.relayed(config) as relay:
        assert relay is not None and os.environ[RELAY_ENV] == relay
        tracker = tracker_ahead.start(config, tracker_ahead.new_store(config), relay)
        try:
            assert tracker.ready(timeout_seconds=120)
            run = subprocess.run(
                [sys.executable, "-c", TUNER.format(settings=json.dumps(config.tracking_settings()))],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=PROJECT_ROOT,
            )
            assert run.returncode == 0, run.stderr
            assert json.loads(run.stdout.splitlines()[-1]) == {"mlflow_loaded": False, "relayed": True}
            where = outcome.record(config, "r-4", {}, False, lambda job: tracker.ask(job, 120))
        finally:
            tracker.stop()
    assert RELAY_ENV not in os.environ and not Path(relay).parent.exists()
    store = tmp_path / "out" / "mlflow.db"
    [(run_uuid, status)] = _rows(store, "select run_uuid, status from runs where name = 'r-4'")
    assert where["run"] == run_uuid and status == "FINISHED"
    assert dict(_rows(store, f"select key, value from params where run_uuid = '{run_uuid}'")) == {"trials": "3"}
    assert _rows(store, "select name, status from runs where name = 'trial-00'") == [("trial-00", "FINISHED")]


# What the Tuner's process does, in a process of its own: it must not load MLflow.
TUNER = """
import json, sys
from modules.runtime import tracking
settings = tracking.Settings.from_mapping(json.loads('{settings}'))
run = tracking.pipeline_run(settings, "r-4")
run.log_params({{"trials": 3}})
trial = run.child("trial-00")
trial.log_metrics({{"score": 0.9}})
trial.end()
run.end()
print(json.dumps({{"mlflow_loaded": "mlflow" in sys.modules, "relayed": type(run.native).__name__ == "RelayRun"}}))
"""


def test_with_tracking_off_no_socket_is_named(tmp_path):
    with tracker_ahead.relayed(config_for(tmp_path / "out", "tracking.backend=none")) as relay:
        assert relay is None and RELAY_ENV not in os.environ
