"""Vertex AI's cache key of a task: its component, input artifacts' identities, parameters and container."""

import hashlib
import json
from typing import Any, Dict, List, Mapping

from pipeline.rehearse.spec import Task


def cache_key(task: Task, parameters: Mapping[str, Any], inputs: Mapping[str, List[Dict[str, Any]]]) -> str:
    """What KFP's backend hashes: input artifact names, parameter values, output specs, image, command and args.

    `parameters` are the spec's values before the launcher fills in placeholders (see docs/vertex-ai.md).
    """
    container = task.executor.get("container", {})
    material = {
        "component": task.component,
        "inputs": {key: [artifact["name"] for artifact in artifacts] for key, artifacts in sorted(inputs.items())},
        "parameters": dict(sorted(parameters.items())),
        "container": {key: container.get(key) for key in ("image", "command", "args")},
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
