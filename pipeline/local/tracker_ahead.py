"""The run's tracker in a process of its own, started as `vtx run` starts: made ready ahead, it records the outcome.

Opening the tracker costs the run's process about 1.5 CPU s at its end (the MLflow client, SQLAlchemy and
Alembic imported, the store opened), and a new SQLite store is migrated through MLflow's whole schema history on
its first request (about 2.5 CPU s more). Here both happen on the second core while the run imports TensorFlow
(pipeline/tracking/worker.py). A new store is waited for before the first node, so that the Tuner finds it made.
The tracker itself is unchanged: when this process is not ready, the run's own process does what it did before.
"""

import json
import sys
from pathlib import Path
from typing import Optional

from pipeline.config import PipelineConfig
from pipeline.local.ahead import Ahead

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


def start(config: PipelineConfig, store: Optional[Path]) -> Ahead:
    """Starts the tracker process (none for `tracking.backend: none`), to make `store` (new_store's answer) if new
    and record the outcome when asked."""
    if config.tracking.backend == "none":
        return Ahead(None)
    if store is not None:
        store.parent.mkdir(parents=True, exist_ok=True)
    return Ahead.start([*WORKER, config.modules.tracking, json.dumps(config.tracking_settings())])
