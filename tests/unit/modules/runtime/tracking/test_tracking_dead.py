"""A dead tracker never fails a run: every backend pointed at a closed or a silent loopback port.

Each case runs in its own process, as a Tuner or Trainer would: it opens the pipeline run, logs what a run logs,
and must finish with one warning line, within the time budget, and exit (no client thread may hold it).
"""

import json
import socket
import subprocess
import sys
import time
from typing import Iterator

import pytest

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit

BUDGET = 2.0
# What the guard may overshoot its budget by on a loaded machine (the waiting thread must be scheduled).
SLACK = 1.5
# Seconds a process may need beyond the budget: interpreter start, the clients' imports, the exit. A client
# thread that held the process at exit would hit the subprocess timeout instead.
START_AND_EXIT = 60.0
SCRIPT = """
import json, logging, sys, time
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
from modules.runtime import tracking
settings = tracking.Settings(**json.loads(sys.argv[1]))
started = time.monotonic()
run = tracking.pipeline_run(settings, "20261204-101500-123")
run.log_params({"learning_rate": 0.01})
for epoch in range(10):
    run.log_metrics({"val_accuracy": 0.5 + epoch / 100}, step=epoch + 1)
trial = run.child("trial-00")
trial.log_metrics({"score": 0.9})
trial.end()
run.end()
print(json.dumps({"seconds": time.monotonic() - started, "where": dict(run.where())}))
"""


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def _settings(backend: str, port: int) -> dict:
    address = f"http://127.0.0.1:{port}"
    if backend == "mlflow":
        return {"backend": "mlflow", "uri": address}
    if backend == "vertex":
        return {"backend": "vertex", "project": "test-project", "location": "us-central1", "api_endpoint": address}
    return {"backend": "neptune", "project": "team/penguins"}


def _neptune_env(port: int) -> dict:
    token = {"api_address": f"http://127.0.0.1:{port}", "api_url": f"http://127.0.0.1:{port}", "api_key": "k"}
    import base64

    return {"NEPTUNE_API_TOKEN": base64.b64encode(json.dumps(token).encode()).decode(), "NEPTUNE_MODE": "async"}


def _run_dead(backend: str, port: int, tmp_path) -> tuple:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NEPTUNE_DATA_DIRECTORY": str(tmp_path / ".neptune")}
    if backend == "neptune":
        env.update(_neptune_env(port))
    settings = {**_settings(backend, port), "timeout_seconds": BUDGET}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(settings)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, time.monotonic() - started


@pytest.mark.parametrize("backend", ["mlflow", "vertex", "neptune"])
@pytest.mark.parametrize("kind", ["closed", "silent"])
def test_a_dead_tracker_costs_one_warning_and_at_most_its_budget(backend, kind, closed_port, silent_port, tmp_path):
    port = closed_port if kind == "closed" else silent_port
    done, wall = _run_dead(backend, port, tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seconds"] < BUDGET + SLACK, result
    assert wall < BUDGET + START_AND_EXIT, wall
    assert result["where"]["warning"].startswith(f"experiment tracking ({backend}) is off for the rest of this run: ")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING vtx.tracking")]
    assert len(warnings) == 1, done.stderr[-2000:]
