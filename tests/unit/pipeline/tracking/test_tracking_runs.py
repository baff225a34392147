"""`vtx runs`: the table of tracked runs, two runs compared, and the outcome a local run adds to its run."""

import time

import pytest
from click.testing import CliRunner

from modules.runtime import tracking
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.tracking import outcome, runs

pytestmark = pytest.mark.unit


def record(run_id: str, rate: str, accuracy: float, commit: str = "0123abc") -> dict:
    return {
        "run_id": run_id,
        "started": "2026-12-04 10:15:00",
        "params": {"learning_rate": rate, "hidden_units": "16", "train_steps": "300", "versions.tfx": "1.16.0"},
        "metrics": {"eval.accuracy": accuracy},
        "tags": {"vtx.data_fingerprint": "f204db2c753b0937aa", "vtx.git_commit": commit, "vtx.verdict": "BLESSED"},
    }


def test_the_table_shows_one_line_per_run_with_the_chosen_hyperparameters():
    text = runs.table([record("20261204-111500-456", "0.003", 0.96875), record("20261204-101500-123", "0.01", 0.984)])

    header, first, second = text.splitlines()
    assert header.split() == [
        "run",
        "id",
        "started",
        "(UTC)",
        "data",
        "hyperparameters",
        "accuracy",
        "verdict",
        "pushed",
    ]
    assert first.split() == [
        "20261204-111500-456",
        "2026-12-04",
        "10:15:00",
        "f204db2c753b0937",
        "hidden_units=16",
        "learning_rate=0.003",
        "0.9688",
        "BLESSED",
        "-",
    ]
    assert second.split()[0] == "20261204-101500-123"


def test_compare_shows_both_runs_and_exactly_what_changed():
    text = runs.compare(record("20261204-101500-123", "0.01", 0.984), record("20261204-111500-456", "0.003", 0.96875))

    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.startswith("  ")}
    assert rows["learning_rate"] == ["0.01", "0.003", "changed"]
    assert rows["hidden_units"] == ["16", "16"]
    assert rows["eval.accuracy"] == ["0.984", "0.96875", "changed"]
    assert text.splitlines()[-3:] == [
        "Changed parameters: learning_rate",
        "Changed data: none",
        "Changed code: none",
    ]


def test_a_run_is_found_by_its_id_or_a_unique_prefix():
    found = [record("20261204-101500-123", "0.01", 0.9), record("20261204-111500-456", "0.01", 0.9)]
    assert runs.find(found, "20261204-10")["run_id"] == "20261204-101500-123"
    with pytest.raises(runs.RunsError, match="2 tracked runs with id '20261204'"):
        runs.find(found, "20261204")
    with pytest.raises(runs.RunsError, match="no tracked run with id 'x'; `vtx runs` lists them"):
        runs.find(found, "x")


def test_vtx_runs_lists_and_compares_the_embedded_store(tmp_path):
    config = load_config(overrides=[f"output_root={tmp_path}", "tracking.timeout_seconds=120"], environ={})
    settings = tracking.Settings.from_mapping(config.tracking_settings())
    for run_id, rate in (("20261204-101500-123", 0.01), ("20261204-111500-456", 0.003)):
        run = tracking.pipeline_run(settings, run_id)
        run.log_params({"learning_rate": rate, "hidden_units": 16})
        run.set_tags({"vtx.verdict": "BLESSED"})
        run.end()
        time.sleep(0.01)  # start times are in milliseconds: newest first needs two different ones
    cli = CliRunner()

    listed = cli.invoke(main, ["runs", "--output", str(tmp_path)], catch_exceptions=False)
    compared = cli.invoke(main, ["runs", "--output", str(tmp_path), "--compare", "20261204-101500", "20261204-111500"])
    missing = cli.invoke(main, ["runs", "--output", str(tmp_path), "--compare", "nope", "20261204-111500"])

    assert listed.exit_code == 0, listed.output
    assert [line.split()[0] for line in listed.output.splitlines()[1:]] == [
        "20261204-111500-456",
        "20261204-101500-123",
    ]
    assert compared.exit_code == 0, compared.output
    assert "Changed parameters: learning_rate" in compared.output
    assert missing.exit_code == 1 and "no tracked run with id 'nope'" in missing.output


def test_vtx_runs_on_an_empty_store_says_so(tmp_path):
    result = CliRunner().invoke(main, ["runs", "--output", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output == "No tracked runs yet in mlflow (experiment vertex-tfx-penguins).\n"


def test_vtx_runs_with_tracking_off_fails_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["runs", "--set", "tracking.backend=none"])
    assert result.exit_code == 1 and "tracking.backend is none: no runs are tracked" in result.output


def test_an_outcome_without_evaluator_is_the_failure_and_the_mlmd_run():
    assert outcome.outcome("r-1", {}, failed=True) == {
        "metrics": {},
        "tags": {"vtx.mlmd_run_id": "r-1", "vtx.verdict": "FAILED"},
        "failed": True,
    }


def test_a_tracker_that_cannot_even_load_warns_and_the_run_stands(tmp_path):
    config = load_config(overrides=[f"output_root={tmp_path}", "modules.tracking=no_such_tracking_module"], environ={})

    where = outcome.record(config, "r-1", {}, failed=False)

    assert where["backend"] == "mlflow"
    assert where["warning"].startswith("experiment tracking (mlflow) failed: ModuleNotFoundError")
