"""The report's verdict on real runs: pushed, already pushed, not blessed, stopped at validation."""

import pytest

from pipeline.report import build, runs

pytestmark = pytest.mark.e2e


def test_the_first_run_is_blessed_pushed_and_tracked_in_mlflow(pushed: runs.RunRecord, first_run):
    overview = build.build(pushed).overview

    assert (overview.verdict, overview.headline) == ("pushed", "Blessed and pushed")
    assert overview.version is not None and overview.destination.endswith(overview.version)
    assert overview.tracking.startswith("mlflow: run ")
    assert overview.tracking.endswith(f"mlflow ui --backend-store-uri sqlite:///{first_run.output.resolve()}/mlflow.db")
    assert dict(overview.metrics)["components"] == "9 executed, 0 cached"
    assert overview.facts["git_commit"] == pushed.facts["git_commit"]


def test_the_repeated_run_was_already_pushed(cached: runs.RunRecord):
    assert build.build(cached).overview.verdict == "already-pushed"


def test_the_undertrained_run_is_not_blessed_with_reasons(not_blessed: runs.RunRecord):
    overview = build.build(not_blessed).overview

    assert overview.verdict == "not-blessed" and overview.version is None
    assert any("below the threshold" in reason for reason in overview.reasons)
    assert overview.tracking.startswith("mlflow: run ") and "of experiment vertex-tfx-penguins" in overview.tracking


def test_the_corrupted_run_stopped_at_validation(stopped: runs.RunRecord):
    overview = build.build(stopped).overview

    assert overview.verdict == "stopped-at-validation"
    assert overview.reasons and all("bill_length_mm" in reason for reason in overview.reasons)
    assert overview.tracking == "no tracked run: the Trainer did not run"
