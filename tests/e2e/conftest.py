"""Fixtures for end-to-end runs: the real `vtx run` in a subprocess, on data/ in a temp dir."""

import shutil
from pathlib import Path
from typing import Dict, Tuple

import pytest

from tests.builders.pipeline_runs import (
    FAKE_TOKEN,
    Run,
    StoppedRun,
    code_copy,
    corrupt_data,
    tracked_parent,
    tree_digest,
    vtx_run,
    vtx_run_from,
)

# The penguin runs of the session set their own bar, as a team that knows its data would; the report tests
# read it back. Every run passes it, so that a re-run with nothing changed is fully cached.
THRESHOLD = ("--set", "evaluation.accuracy_threshold=0.9")


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-run")


@pytest.fixture(scope="session")
def first_run(output_dir: Path) -> Run:
    """A cold run of the whole pipeline with 3 tuner trials, tracked in the embedded MLflow store.

    A Neptune token in the environment must reach no file and no console line, whatever the backend.
    """
    env = {"NEPTUNE_API_TOKEN": FAKE_TOKEN, "NEPTUNE_PROJECT": "team/penguins"}
    run = vtx_run(output_dir, "--trials", "3", *THRESHOLD, env=env)
    assert run.returncode == 0, run.console
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
    """Five training steps: the Trainer and Evaluator re-run, and the model misses the threshold and the baseline."""
    run = vtx_run(second_run.output, "--trials", "3", *THRESHOLD, "--set", "training.train_steps=5")
    assert run.returncode == 0, run.console
    return run


@pytest.fixture(scope="session")
def learning_rate_run(first_run: Run, tmp_path_factory) -> Tuple[Run, Dict[str, str]]:
    """The first run's tuned hyperparameters with only the learning rate changed, in a copy of its output.

    The copy's search space is the one point (the first run's choice, another learning rate), so the Tuner
    and everything after it re-run while the data stays cached; the copy keeps the other tests' models apart.
    """
    chosen = tracked_parent(first_run).data.params
    rate = "0.02" if chosen["learning_rate"] != "0.02" else "0.005"
    point = (
        "def search_space() -> keras_tuner.HyperParameters:\n"
        '    """The e2e test\'s one-point space: the first run\'s choice with another learning rate."""\n'
        "    hp = keras_tuner.HyperParameters()\n"
        f'    hp.Fixed("hidden_units", {int(chosen["hidden_units"])})\n'
        f'    hp.Fixed("num_layers", {int(chosen["num_layers"])})\n'
        f'    hp.Fixed("learning_rate", {float(rate)})\n'
        "    return hp\n"
    )
    code = code_copy(tmp_path_factory.mktemp("code"), point)
    output = tmp_path_factory.mktemp("lr-run") / "output"
    shutil.copytree(first_run.output, output)
    commit = tracked_parent(first_run).data.tags["vtx.git_commit"]
    run = vtx_run_from(code, output, "--trials", "3", *THRESHOLD, env={"VTX_GIT_COMMIT": commit})
    assert run.returncode == 0, run.console
    return run, {"learning_rate": rate}
