"""Fixtures of the distributed tier: isolated Beam workers on loopback, and a `vtx run` whose Beam steps use them."""

import tempfile
from pathlib import Path

import pytest

from tests.builders.beam_cluster import beam_cluster, kept_worker_python
from tests.builders.pipeline_runs import Run, vtx_run


@pytest.fixture(scope="session")
def worker_python() -> Path:
    """The workers' interpreter: uv.lock's packages without the project, kept per lock (its bytecode too)."""
    return kept_worker_python(Path(tempfile.gettempdir()))


@pytest.fixture(scope="session")
def portable_run(worker_python: Path, tmp_path_factory) -> Run:
    """`vtx run` on data/ with beam.runner: portable, every Beam step on the isolated workers."""
    work = tmp_path_factory.mktemp("portable-cluster")
    with beam_cluster(worker_python, work) as flags:
        args = ["--trials", "3", "--set", "beam.runner=portable", "--set", f"beam.extra_args=[{', '.join(flags)}]"]
        run = vtx_run(tmp_path_factory.mktemp("portable-run"), *args, env={"NEPTUNE_MODE": "debug"})
    assert run.returncode == 0, run.console + (work / "worker-pool.log").read_text()[-3000:]
    run.cluster = work  # type: ignore[attr-defined]
    return run
