"""Where a run's experiment tracking went, as the Trainer recorded it next to the model."""

import json
import os
from typing import Any, Dict, Optional

from pipeline import mlmd

# Written by modules/runtime/tracking/context.py (TRACKING_FILE) into the Trainer's model_run folder.
TRACKING_FILE = "tracking.json"


def tracking_info(trainer: Optional[mlmd.NodeRun]) -> Optional[Dict[str, Any]]:
    """The Trainer's tracked run: backend, run, how to open it, and the warning if the tracker failed."""
    if not trainer or not trainer.outputs.get("model_run"):
        return None
    path = os.path.join(trainer.outputs["model_run"][0].uri, TRACKING_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def describe(info: Optional[Dict[str, Any]]) -> str:
    """One line saying where the run is tracked and how to open it."""
    if not info:
        return "no tracked run: the Trainer did not run"
    backend = info.get("backend", "none")
    if backend == "none":
        return "off (tracking.backend: none)"
    if info.get("warning"):
        return str(info["warning"])
    if info.get("offline_dir"):
        return f"{backend}: offline run under {info['offline_dir']} (Neptune's hosted service is closed)"
    if info.get("mode") == "debug":
        return f"{backend}: logging off (NEPTUNE_MODE=debug)"
    where = f"run {info['run']}" if info.get("run") else "run"
    if info.get("experiment"):
        where += f" of experiment {info['experiment']}"
    return f"{backend}: {where}" + (f"; open: {info['open']}" if info.get("open") else "")
