"""The run's tracker in a process of its own, started as `vtx run` starts: made ready ahead, it records the outcome.

Opening the tracker costs the run's process about 1.5 CPU s at its end (the MLflow client, SQLAlchemy and
Alembic imported, the store opened), and a new SQLite store is migrated through MLflow's whole schema history on
its first request (about 2.5 CPU s more). Here both happen on the second core while the run imports TensorFlow
(pipeline/tracking/worker.py). A new store is waited for before the first node, so that the Tuner finds it made.
The process also serves the Tuner's and Trainer's tracking calls from the run's process at a local socket
(`relayed`), so the run's process never loads the client. When this process is not ready (or not there), the run's
own process does what it did before.
"""

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Optional

from pipeline.config import PipelineConfig
from pipeline.local.ahead import Ahead
from pipeline.tracking.worker import RELAY_ENV

WORKER = [sys.executable, "-m", "pipeline.tracking.worker"]
_SQLITE = "sqlite:///"


def new_store(config: PipelineConfig) -> Optional[Path]:
    """The SQLite file of the run's MLflow store when it does not exist yet; None otherwise."""
    if config.tracking.backend != "mlflow":
        return None
    uri = str(config.tracking_settings().get("uri") or "")
    if not uri.startswith(_SQLITE):
        return None
    path = Path(uri[len(_SQLITE) :])
    return None if path.exists() else path


def start(config: PipelineConfig, store: Optional[Path], relay: Optional[str] = None) -> Ahead:
    """Starts the tracker process (none for `tracking.backend: none`), to make `store` (new_store's answer) if new,
    serve the run's tracking calls at the socket `relay` (`relayed`'s path) for a backend it can, and record the
    outcome when asked."""
    if config.tracking.backend == "none":
        return Ahead(None)
    if store is not None:
        store.parent.mkdir(parents=True, exist_ok=True)
    command = [*WORKER, config.modules.tracking, json.dumps(config.tracking_settings())]
    return Ahead.start(command + ([relay] if relay else []))


@contextlib.contextmanager
def relayed(config: PipelineConfig) -> Iterator[Optional[str]]:
    """A socket path for the tracker process, named to this process's executors (RELAY_ENV) while the run lasts.

    None for `tracking.backend: none`. The tracking module decides what it relays; a socket nobody serves costs a
    refused connection, and the caller opens its client itself.
    """
    if config.tracking.backend == "none":
        yield None
        return
    folder = tempfile.mkdtemp(prefix="vtx-tracker-")
    before = os.environ.get(RELAY_ENV)
    os.environ[RELAY_ENV] = os.path.join(folder, "relay.sock")
    try:
        yield os.environ[RELAY_ENV]
    finally:
        if before is None:
            os.environ.pop(RELAY_ENV, None)
        else:
            os.environ[RELAY_ENV] = before
        shutil.rmtree(folder, ignore_errors=True)
