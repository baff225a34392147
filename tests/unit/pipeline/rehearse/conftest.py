"""A Vertex AI spec compiled once for the rehearsal's unit tests, and a rehearsal of it that runs nothing."""

from pathlib import Path

import pytest

from pipeline.config.loader import load_config
from pipeline.rehearse import spec
from pipeline.rehearse.engine import Rehearsal, Setup
from pipeline.rehearse.places import Places
from pipeline.vertex.compile import compile_for_vertex
from tests.builders.vertex_settings import REQUIRED


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """The compiled job (Dataflow runner, Vertex AI Training for Tuner and Trainer), as JSON."""
    config = load_config(profile="vertex", overrides=REQUIRED)
    return spec.load(compile_for_vertex(config, tmp_path_factory.mktemp("spec") / "pipeline.json"))


@pytest.fixture
def tasks(job):
    return {task.name: task for task in spec.tasks_in_order(job)}


@pytest.fixture
def rehearsal(job, tmp_path):
    """A rehearsal under tmp_path whose tasks are prepared, not run."""
    places = Places(gcs_root=tmp_path / "gs", code_root="/pipeline", checkout=Path("/checkout"))
    setup = Setup(job, tmp_path, places, "my-proj-1", "europe-west4", spec.job_parameters(job, {}))
    return Rehearsal(setup, lambda result: None)
