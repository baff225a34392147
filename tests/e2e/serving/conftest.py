"""Fixtures for the serving tests: copies of the first run's models and metadata, and a server over one."""

from pathlib import Path

import pytest

from pipeline.registry import open_registry
from tests.builders.serving import Running, isolated_output, running, serving_config


@pytest.fixture(scope="session")
def served_run(first_run, tmp_path_factory) -> Path:
    """The first run's pushed model and ML Metadata, copied once; each test copies this again.

    One resolve here reads the version's lineage from ML Metadata, which the registry caches beside
    the models, so that the servers the tests start do not each read it again.
    """
    template = isolated_output(first_run.output, tmp_path_factory.mktemp("served-run"))
    open_registry(serving_config(template)).resolve("production")
    return template


@pytest.fixture(scope="module")
def server(served_run: Path, tmp_path_factory) -> Running:
    """`vtx serve` in a thread with small limits, so that the limit cases are cheap to send."""
    output = isolated_output(served_run, tmp_path_factory.mktemp("serve"))
    config = serving_config(output, "serving.max_instances=8", "serving.max_payload_bytes=4096")
    with running(config) as server:
        yield server
