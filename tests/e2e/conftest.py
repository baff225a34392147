"""Fixtures for end-to-end runs: the real `vtx run` in a subprocess, on data/ in a temp dir."""

from pathlib import Path

import pytest

from tests.builders.pipeline_runs import FAKE_TOKEN, Run, StoppedRun, corrupt_data, release, tree_digest, vtx_run

# The penguin runs of the session set their own bar, as a team that knows its data would; the report tests
# read it back. Every run passes it, so that a re-run with nothing changed is fully cached.
THRESHOLD = ("--set", "evaluation.accuracy_threshold=0.9")


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-run")


@pytest.fixture(scope="session")
def first_run(output_dir: Path) -> Run:
    """A cold run of the whole pipeline with 3 tuner trials, Neptune offline; its staging version is released.

    The serving, batch and monitor tests use production, as users do; tests/e2e/release/ walks the release.
    """
    env = {"NEPTUNE_API_TOKEN": FAKE_TOKEN, "NEPTUNE_PROJECT": "team/penguins", "NEPTUNE_MODE": "offline"}
    run = vtx_run(output_dir, "--trials", "3", *THRESHOLD, env=env)
    assert run.returncode == 0, run.console
    release(output_dir)
    return run


@pytest.fixture(scope="session")
def second_run(first_run: Run) -> Run:
    """The same command again, with nothing changed."""
    run = vtx_run(first_run.output, "--trials", "3", *THRESHOLD)
    assert run.returncode == 0, run.console
    return run


@pytest.fixture(scope="session")
def stopped_run(second_run: Run, tmp_path_factory) -> StoppedRun:
    """A run on data with strings in a numeric column: it stops at ExampleValidator."""
    before = tree_digest(second_run.output / "serving_model")
    data = corrupt_data(tmp_path_factory.mktemp("corrupted") / "data")
    run = vtx_run(second_run.output, "--trials", "3", *THRESHOLD, "--data", str(data))
    assert run.returncode == 1, run.console
    return StoppedRun(run, before)


@pytest.fixture(scope="session")
def not_blessed_run(second_run: Run) -> Run:
    """Five training steps: the Trainer and Evaluator re-run, and the model misses the threshold and the baseline.

    Neptune is off (debug mode) so that the first run's offline files stay the only training run.
    """
    run = vtx_run(
        second_run.output, "--trials", "3", *THRESHOLD, "--set", "training.train_steps=5", env={"NEPTUNE_MODE": "debug"}
    )
    assert run.returncode == 0, run.console
    return run
