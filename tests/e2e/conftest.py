"""Fixtures for end-to-end runs: the real `vtx run` in a subprocess, on data/ in a temp dir."""

from pathlib import Path

import pytest

from tests.helpers.pipeline_runs import FAKE_TOKEN, Run, vtx_run


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-run")


@pytest.fixture(scope="session")
def first_run(output_dir: Path) -> Run:
    """A cold run of the whole pipeline with 3 tuner trials, Neptune offline."""
    env = {"NEPTUNE_API_TOKEN": FAKE_TOKEN, "NEPTUNE_PROJECT": "team/penguins", "NEPTUNE_MODE": "offline"}
    run = vtx_run(output_dir, "--trials", "3", env=env)
    assert run.returncode == 0, run.console
    return run


@pytest.fixture(scope="session")
def second_run(first_run: Run) -> Run:
    """The same command again, with nothing changed."""
    run = vtx_run(first_run.output, "--trials", "3")
    assert run.returncode == 0, run.console
    return run
