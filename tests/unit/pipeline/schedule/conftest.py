"""Fixtures for `vtx schedule` tests: the vertex settings, one compiled spec, and the CLI against both fakes."""

from pathlib import Path
from typing import Callable, List

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.config.loader import load_config
from pipeline.vertex.compile import compile_for_vertex

PROJECT, REGION = "my-proj-1", "europe-west4"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
IMAGE = "europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:0123abc"
PIPELINES_SA = "pipelines@my-proj-1.iam.gserviceaccount.com"
SETTINGS = [
    "data_root=gs://my-bucket-1/data",
    f"vertex.project={PROJECT}",
    f"vertex.region={REGION}",
    "vertex.pipeline_root=gs://my-bucket-1/pipeline-root",
    f"vertex.image={IMAGE}",
    f"vertex.service_account={PIPELINES_SA}",
    "schedule.time_zone=Europe/Berlin",
    "schedule.training.cron=30 2 * * MON-FRI",
    "schedule.batch_prediction.input=gs://my-bucket-1/incoming/",
    "schedule.batch_prediction.output=gs://my-bucket-1/predictions/",
]


@pytest.fixture(scope="session")
def schedule_spec(tmp_path_factory) -> Path:
    """The pipeline compiled once for every schedule test."""
    out = tmp_path_factory.mktemp("schedule-spec") / "pipeline.json"
    return compile_for_vertex(load_config(profile="vertex", overrides=SETTINGS, environ={}), out)


@pytest.fixture
def schedule_cli(vertex_fake, cloud_run_fake, request) -> Callable[..., Result]:
    """Runs `vtx schedule ARGS` with the vertex profile, every API pointed at the loopback fakes."""
    endpoints = [
        f"vertex.api_endpoint={vertex_fake.endpoint}",
        f"schedule.scheduler_api_endpoint={cloud_run_fake.endpoint}",
        f"schedule.run_api_endpoint={cloud_run_fake.endpoint}",
    ]

    def run(*args: str, settings: List[str] = ()) -> Result:
        flags: List[str] = []
        for item in [*SETTINGS, *endpoints, *settings]:
            flags += ["--set", item]
        command = ["schedule", *args, "--profile", "vertex", *flags]
        if args[0] == "create" and "--spec" not in args and args[1] != "batch-predict":
            # Compiled once, and only for tests that schedule training.
            command += ["--spec", str(request.getfixturevalue("schedule_spec"))]
        return CliRunner().invoke(main, command, catch_exceptions=False)

    return run
