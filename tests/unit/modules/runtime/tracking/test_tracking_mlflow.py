"""The mlflow backend on an embedded SQLite store: parent and child runs, steps, the outcome, the listing."""

import pytest
from mlflow import MlflowClient

from modules.runtime import tracking
from modules.runtime.tracking.mlflow_store import ui_command
from tests.builders.tracked_runs import tune_then_train

pytestmark = pytest.mark.unit


def _runs(settings: tracking.Settings):
    client = MlflowClient(tracking_uri=settings.uri)
    experiment = client.get_experiment_by_name(settings.experiment)
    return client, client.search_runs([experiment.experiment_id])


def test_a_pipeline_run_is_one_parent_with_a_child_per_trial(settings, tmp_path):
    tune_then_train(settings)

    client, runs = _runs(settings)
    [parent] = [r for r in runs if r.data.tags["vtx.role"] == "pipeline"]
    children = [r for r in runs if r.data.tags["vtx.role"] == "trial"]
    assert parent.info.run_name == "20261204-101500-123" and parent.info.status == "FINISHED"
    assert parent.data.params == {"learning_rate": "0.03", "train_steps": "300"}
    history = client.get_metric_history(parent.info.run_id, "val_accuracy")
    assert [(m.step, m.value) for m in history] == [(1, 0.5), (2, 0.75), (3, 0.875)]
    assert sorted(r.info.run_name for r in children) == ["trial-00", "trial-01"]
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}
    assert {r.data.tags["vtx.pipeline_run_id"] for r in children} == {"20261204-101500-123"}
    assert [r.data.metrics["score"] for r in children] == [0.9, 0.9]
    experiment = client.get_experiment_by_name("vertex-tfx-penguins")
    assert experiment.artifact_location.endswith(str(tmp_path / "mlartifacts"))


def test_the_outcome_finishes_the_run_and_says_how_to_open_it(settings):
    tracking.pipeline_run(settings, "20261204-101500-123").log_params({"learning_rate": 0.01})
    outcome = {
        "metrics": {"eval.accuracy": 0.984375},
        "tags": {"vtx.verdict": "BLESSED", "vtx.pushed_version": "1796402358"},
        "failed": False,
    }
    where = tracking.record_outcome(vars(settings), "20261204-101500-123", outcome)

    _, [run] = _runs(settings)
    assert run.data.metrics["eval.accuracy"] == 0.984375
    assert run.data.tags["vtx.verdict"] == "BLESSED" and run.data.tags["vtx.pushed_version"] == "1796402358"
    assert where["backend"] == "mlflow" and where["run"] == run.info.run_id
    assert where["open"] == ui_command(settings.uri)
    assert where["open"].endswith(f"mlflow ui --backend-store-uri {settings.uri}")


def test_a_failed_run_is_marked_failed(settings):
    tracking.record_outcome(vars(settings), "20261204-101500-123", {"tags": {"vtx.verdict": "FAILED"}, "failed": True})
    _, [run] = _runs(settings)
    assert run.info.status == "FAILED" and run.data.tags["vtx.verdict"] == "FAILED"


def test_runs_are_listed_newest_first_without_trials(settings):
    for run_id in ("20261204-101500-123", "20261204-111500-456"):
        run = tracking.pipeline_run(settings, run_id)
        run.log_params({"learning_rate": 0.01})
        run.child("trial-00").end()
        run.end()

    listed = tracking.list_runs(vars(settings), 10)
    assert [r["run_id"] for r in listed] == ["20261204-111500-456", "20261204-101500-123"]
    assert listed[0]["params"] == {"learning_rate": "0.01"}
    assert listed[0]["tags"]["vtx.pipeline_run_id"] == "20261204-111500-456"
    assert tracking.list_runs(vars(settings), 1)[0]["run_id"] == "20261204-111500-456"


def test_an_empty_store_lists_nothing(settings):
    assert tracking.list_runs(vars(settings), 10) == []


def test_the_ui_command_of_a_server_is_its_address():
    assert ui_command("http://mlflow.internal:5000") == "open http://mlflow.internal:5000 in a browser"
