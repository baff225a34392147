"""`python -m pipeline.tracking.worker MODULE SETTINGS [SOCKET]`: the run's tracker in a process of its own, made ready
ahead.

`vtx run` starts it before its own imports (pipeline/local/tracker_ahead.py). It imports the tracking module named
by the settings (`modules.tracking`) and calls its `prepare`: for the embedded MLflow store, the client and the
store are loaded, the store made if it is new (its first request migrates it through MLflow's whole schema
history), and the experiment found. Given a SOCKET, it then serves there the Tuner's and Trainer's calls from the
run's process (the module's `serve_relay`, modules/runtime/tracking/relay.py), so that process never loads the
client. It then says ready, and records the one outcome it is sent, as pipeline/tracking/outcome.py records it in
the run's own process when this worker is not ready.
"""

import importlib
import json
import logging
import os
import sys
import traceback
from typing import Any, Dict, List, Mapping

from pipeline.workers import serve

LOGGER = logging.getLogger("vtx.tracking")
# Where the run's process finds this worker's socket (modules/runtime/tracking/relay.py keeps a copy of the name:
# the pipeline names modules/ by module path, never by import; a test keeps the two equal).
RELAY_ENV = "VTX_TRACKING_RELAY"


def record(module_name: str, settings: Mapping[str, Any], run_id: str, result: Mapping[str, Any]) -> Dict[str, Any]:
    """Adds `result` (metrics, tags, failed) to the run's tracked run: where it is, or a warning. Never raises."""
    try:
        module = importlib.import_module(module_name)
        return dict(module.record_outcome(settings, run_id, result))
    except Exception as error:  # noqa: BLE001 - a tracker never fails a run; the summary says what happened
        return warning(str(settings.get("backend")), error)


def warning(backend: str, error: Exception) -> Dict[str, Any]:
    """The answer for a tracker that failed: the warning the summary prints, logged too."""
    message = f"experiment tracking ({backend}) failed: {type(error).__name__}: {error}"
    LOGGER.warning(message)
    return {"backend": backend, "warning": message}


def main(argv: List[str]) -> None:
    module_name, settings = argv[0], json.loads(argv[1])
    out, sys.stdout = sys.stdout, sys.stderr  # the protocol's lines only, whatever a client prints
    os.environ.pop(RELAY_ENV, None)  # this process holds the client: its own calls never go to a relay
    try:
        module = importlib.import_module(module_name)
        module.prepare(settings)
        if len(argv) > 2 and hasattr(module, "serve_relay"):
            module.serve_relay(settings, argv[2])
    except Exception:  # noqa: BLE001 - then the tracker's own first call makes the store, as without this worker
        traceback.print_exc()
    serve(sys.stdin, out, lambda job: record(module_name, settings, job["run_id"], job["outcome"]))


if __name__ == "__main__":
    main(sys.argv[1:])
