"""The MLflow store made ahead of a run, in a process of its own: only when new, and ready for the tracker."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config.loader import load_config
from pipeline.local import tracker_store

pytestmark = pytest.mark.unit


def config_for(output: Path, *overrides: str):
    return load_config(overrides=[f"output_root={output}", *overrides], environ={})


def test_a_new_embedded_store_is_made_ahead_with_the_runs_experiment(tmp_path):
    config = config_for(tmp_path / "out")
    assert tracker_store.new_store(config) == tmp_path / "out" / "mlflow.db"

    assert tracker_store.finish(tracker_store.start(config)) is True

    with sqlite3.connect(tmp_path / "out" / "mlflow.db") as db:
        names = [row[0] for row in db.execute("select name from experiments")]
    assert config.tracking_settings()["experiment"] in names
    # Made once: the next run finds it and starts nothing.
    assert tracker_store.new_store(config) is None
    assert tracker_store.start(config) is None


@pytest.mark.parametrize(
    "overrides",
    [["tracking.backend=none"], ["tracking.uri=http://127.0.0.1:9/"]],
    ids=["no tracker", "a tracking server"],
)
def test_nothing_is_made_for_another_tracker_or_a_server(tmp_path, overrides):
    config = config_for(tmp_path / "out", *overrides)

    assert tracker_store.new_store(config) is None
    assert tracker_store.start(config) is None
    assert tracker_store.finish(None) is False
    assert not (tmp_path / "out").exists()


def test_a_failed_or_hung_preparation_is_only_a_false(tmp_path):
    failed = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert tracker_store.finish(failed) is False
    hung = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    assert tracker_store.finish(hung, timeout_seconds=0.5) is False
    assert hung.returncode is not None
