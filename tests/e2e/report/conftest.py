"""Each e2e run of the session, read back by the report's own loader: pushed, cached, not blessed, stopped."""

import pytest

from pipeline.report import runs
from tests.builders.pipeline_runs import Run, StoppedRun

PIPELINE = "vertex-tfx-penguins"


def load(run: Run) -> runs.RunRecord:
    return runs.load(str(run.output / "metadata.sqlite"), PIPELINE, run.run_id)


@pytest.fixture(scope="session")
def pushed(first_run: Run) -> runs.RunRecord:
    return load(first_run)


@pytest.fixture(scope="session")
def cached(second_run: Run) -> runs.RunRecord:
    return load(second_run)


@pytest.fixture(scope="session")
def stopped(stopped_run: StoppedRun) -> runs.RunRecord:
    return load(stopped_run.run)


@pytest.fixture(scope="session")
def not_blessed(not_blessed_run: Run) -> runs.RunRecord:
    return load(not_blessed_run)
