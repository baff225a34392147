"""Where a run's experiment tracking went, as the Trainer recorded it next to the model."""

import json
import os
from typing import Dict, Optional

from pipeline import mlmd


def neptune_info(trainer: Optional[mlmd.NodeRun]) -> Optional[Dict[str, Optional[str]]]:
    """Where the Trainer's Neptune run went (mode, url, offline_dir), from its model_run artifact."""
    if not trainer or not trainer.outputs.get("model_run"):
        return None
    path = os.path.join(trainer.outputs["model_run"][0].uri, "neptune.json")
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)
