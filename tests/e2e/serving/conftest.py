"""Fixtures for the serving tests: a copy of the first run's models and metadata, and a server over it."""

from pathlib import Path

import pytest

from tests.helpers.serving import Running, isolated_output, running, serving_config


@pytest.fixture(scope="module")
def serve_output(first_run, tmp_path_factory) -> Path:
    """The first run's pushed model and ML Metadata in a folder of this module's own."""
    return isolated_output(first_run.output, tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(serve_output: Path) -> Running:
    """`vtx serve` in a thread with small limits, so that the limit cases are cheap to send."""
    config = serving_config(serve_output, "serving.max_instances=8", "serving.max_payload_bytes=4096")
    with running(config) as server:
        yield server
