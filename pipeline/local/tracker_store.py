"""Creates a new embedded MLflow store in a process of its own while `vtx run` imports TensorFlow.

A new SQLite store is migrated through MLflow's whole schema history on its first request (about 2.5 CPU
seconds). Made by the Tuner's first call, that sits on the run's critical path; made here, it overlaps the
run's imports on the second core. The tracker itself is unchanged: if this fails, its first call creates the
store as before.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Optional

from pipeline.config import PipelineConfig

_SQLITE = "sqlite:///"
_SCRIPT = "import importlib, json, sys; importlib.import_module(sys.argv[1]).prepare(json.loads(sys.argv[2]))"


def new_store(config: PipelineConfig) -> Optional[Path]:
    """The SQLite file of the run's MLflow store when it does not exist yet; None otherwise."""
    if config.tracking.backend != "mlflow":
        return None
    uri = str(config.tracking_settings().get("uri") or "")
    if not uri.startswith(_SQLITE):
        return None
    path = Path(uri[len(_SQLITE) :])
    return None if path.exists() else path


def start(config: PipelineConfig) -> Optional[subprocess.Popen]:
    """Starts creating the store when there is a new one to create; the process to pass to finish()."""
    path = new_store(config)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", _SCRIPT, config.modules.tracking, json.dumps(config.tracking_settings())]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def finish(process: Optional[subprocess.Popen], timeout_seconds: float = 60.0) -> bool:
    """Waits for it (before anything else opens the store); True if it made the store. Never raises."""
    if process is None:
        return False
    try:
        return process.wait(timeout_seconds) == 0
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
