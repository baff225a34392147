"""Neptune tracking: picks the mode from the environment and logs run context."""

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Literal, Optional, get_args

import neptune
import tensorflow as tf

# Read at run time so that the token never reaches a pipeline config, MLMD or a log line.
TOKEN_ENV = "NEPTUNE_API_TOKEN"
PROJECT_ENV = "NEPTUNE_PROJECT"
MODE_ENV = "NEPTUNE_MODE"
# Run context, set by whoever launches the pipeline (the vtx runner, or the Vertex task). modules/ cannot
# import pipeline/, so this is a copy of pipeline/config/run_context.py, and a unit test keeps the two equal.
RUN_ID_ENV = "VTX_PIPELINE_RUN_ID"
GIT_COMMIT_ENV = "VTX_GIT_COMMIT"
DATA_FINGERPRINT_ENV = "VTX_DATA_FINGERPRINT"
TRACKING_FILE = "neptune.json"

Mode = Literal["async", "sync", "offline", "read-only", "debug"]
_MODES: Dict[str, Mode] = {name: name for name in get_args(Mode)}


def mode() -> Mode:
    """NEPTUNE_MODE when set (one of Neptune's modes), else 'async' with a token and a project, else 'offline'."""
    explicit = os.environ.get(MODE_ENV)
    if explicit:
        if explicit not in _MODES:
            raise ValueError(f"{MODE_ENV}={explicit!r} is not a Neptune mode; use one of {', '.join(_MODES)}")
        return _MODES[explicit]
    if os.environ.get(TOKEN_ENV) and os.environ.get(PROJECT_ENV):
        return "async"
    return "offline"


def start_run(name: str, tags: Iterable[str] = ()) -> neptune.Run:
    """Starts a Neptune run without hardware monitoring or stdout capture (they cost time)."""
    run_mode = mode()
    return neptune.init_run(
        project=os.environ.get(PROJECT_ENV) if run_mode != "offline" else None,
        mode=run_mode,
        name=name,
        tags=list(tags),
        capture_stdout=False,
        capture_stderr=False,
        capture_hardware_metrics=False,
        capture_traceback=False,
        source_files=[],
        git_ref=False,
    )


def files_fingerprint(patterns: Iterable[str]) -> str:
    """sha256 over the names, sizes and bytes of the files matching the glob patterns, sorted by name."""
    digest = hashlib.sha256()
    paths = sorted({path for pattern in patterns for path in tf.io.gfile.glob(pattern)}, key=os.path.basename)
    for path in paths:
        digest.update(f"{os.path.basename(path)}\0{tf.io.gfile.stat(path).length}\0".encode())
        with tf.io.gfile.GFile(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def log_context(run: neptune.Run, input_files: Iterable[str]) -> None:
    """Logs the pipeline run id, git commit, data fingerprint and library versions."""
    import tfx

    run["pipeline/run_id"] = os.environ.get(RUN_ID_ENV, "unknown")
    run["pipeline/git_commit"] = os.environ.get(GIT_COMMIT_ENV, "unknown")
    run["data/fingerprint"] = os.environ.get(DATA_FINGERPRINT_ENV, "unknown")
    run["data/input_fingerprint"] = files_fingerprint(input_files)
    run["versions/tfx"] = tfx.__version__
    run["versions/tensorflow"] = tf.__version__


def describe(run: neptune.Run) -> Dict[str, Optional[str]]:
    """Where a run's data went: its URL when sent, its local folder when offline."""
    run_mode = mode()
    info: Dict[str, Optional[str]] = {"mode": run_mode, "url": None, "offline_dir": None}
    if run_mode == "async":
        info["url"] = run.get_url()
    elif run_mode == "offline":
        info["offline_dir"] = str(Path(os.environ.get("NEPTUNE_DATA_DIRECTORY", ".neptune")).resolve())
    return info


def write_tracking_file(directory: str, info: Dict[str, Any]) -> None:
    """Records where the run's tracking went, for the pipeline summary."""
    tf.io.gfile.makedirs(directory)
    with tf.io.gfile.GFile(os.path.join(directory, TRACKING_FILE), "w") as handle:
        handle.write(json.dumps(info, indent=2))


@contextlib.contextmanager
def tracked_run(name: str, input_files: Iterable[str], tracking_dir: Optional[str] = None) -> Iterator[neptune.Run]:
    """A run tagged `name` with the run context logged; stopped at the end, its whereabouts in `tracking_dir`."""
    run = start_run(name, tags=[name])
    try:
        log_context(run, input_files)
        yield run
        if tracking_dir is not None:
            write_tracking_file(tracking_dir, describe(run))
    finally:
        run.stop()
