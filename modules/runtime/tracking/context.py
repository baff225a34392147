"""The run context a tracked run records: pipeline run id, commit, data fingerprints and library versions."""

import hashlib
import json
import os
from typing import Any, Dict, Iterable

# Run context, set by whoever launches the pipeline (the vtx runner, or the executors from their context).
# modules/ cannot import pipeline/, so this is a copy of pipeline/config/run_context.py; a unit test keeps
# the two equal.
RUN_ID_ENV = "VTX_PIPELINE_RUN_ID"
GIT_COMMIT_ENV = "VTX_GIT_COMMIT"
DATA_FINGERPRINT_ENV = "VTX_DATA_FINGERPRINT"
TRACKING_FILE = "tracking.json"


def run_id() -> str:
    return os.environ.get(RUN_ID_ENV) or "unknown"


def files_fingerprint(patterns: Iterable[str]) -> str:
    """sha256 over the names, sizes and bytes of the files matching the glob patterns, sorted by name."""
    import tensorflow as tf

    digest = hashlib.sha256()
    paths = sorted({path for pattern in patterns for path in tf.io.gfile.glob(pattern)}, key=os.path.basename)
    for path in paths:
        digest.update(f"{os.path.basename(path)}\0{tf.io.gfile.stat(path).length}\0".encode())
        with tf.io.gfile.GFile(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def tags(input_files: Iterable[str]) -> Dict[str, str]:
    """The tags of a pipeline run: commit, data fingerprint (of the whole data root and of the split's files)."""
    return {
        "vtx.git_commit": os.environ.get(GIT_COMMIT_ENV) or "unknown",
        "vtx.data_fingerprint": os.environ.get(DATA_FINGERPRINT_ENV) or "unknown",
        "vtx.input_fingerprint": files_fingerprint(input_files),
    }


def versions() -> Dict[str, str]:
    import tensorflow as tf
    import tfx

    return {"versions.tfx": tfx.__version__, "versions.tensorflow": tf.__version__}


def write_tracking_file(directory: str, info: Dict[str, Any]) -> None:
    """Records where the run's tracking went (and any warning), next to the model, for the summary and report."""
    import tensorflow as tf

    tf.io.gfile.makedirs(directory)
    with tf.io.gfile.GFile(os.path.join(directory, TRACKING_FILE), "w") as handle:
        handle.write(json.dumps(info, indent=2))
