"""Experiment tracking: one interface for modules/, a backend per tracker (mlflow, vertex, neptune, none).

modules/ calls `pipeline_run` (the parent run of this pipeline run), `Run.child` (a tuner trial) and
`epoch_callback`; the pipeline names `record_outcome` and `list_runs` by module path (settings
modules.tracking). Every call goes through a guard: a dead tracker costs one warning line and at most
`timeout_seconds`, never the run.
"""

import os
from typing import Any, Dict, List, Mapping, Optional

from modules.runtime.tracking import context, relay
from modules.runtime.tracking.base import BACKENDS, SETTINGS_KEY, Backend, Run, RunRecord, Settings
from modules.runtime.tracking.guard import Guard, GuardedRun
from modules.runtime.tracking.off import NoBackend

__all__ = [
    "BACKENDS",
    "SETTINGS_KEY",
    "GuardedRun",
    "Run",
    "RunRecord",
    "Settings",
    "context",
    "list_runs",
    "open_backend",
    "pipeline_run",
    "prepare",
    "record_outcome",
    "serve_relay",
]


def open_backend(settings: Settings) -> Backend:
    """The backend the settings name: the run's tracker process when it answers (relay.py), else its client imported
    only now."""
    path = os.environ.get(relay.RELAY_ENV)
    if path and settings.backend in relay.RELAYED:
        try:
            return relay.RelayBackend(path, settings.timeout_seconds)
        except OSError:
            pass  # no tracker process there (yet, or any more): this process opens the client itself
    return _client_backend(settings)


def _client_backend(settings: Settings) -> Backend:
    if settings.backend == "mlflow":
        from modules.runtime.tracking.mlflow_store import MlflowBackend

        return MlflowBackend(settings)
    if settings.backend == "vertex":
        from modules.runtime.tracking.vertex_experiments import VertexBackend

        return VertexBackend(settings)
    if settings.backend == "neptune":
        from modules.runtime.tracking.neptune_server import NeptuneBackend

        return NeptuneBackend(settings)
    return NoBackend()


def prepare(settings: Mapping[str, Any]) -> None:
    """Creates what the backend's first call would create (MLflow's store and the experiment), and nothing else.

    `vtx run` calls it in a process of its own while it imports TensorFlow, so that the Tuner's first call
    finds the store ready. Errors propagate: that process's exit status is all its caller reads.
    """
    parsed = Settings.from_mapping(settings)
    if parsed.backend == "mlflow":
        from modules.runtime.tracking.mlflow_store import MlflowBackend

        MlflowBackend(parsed).prepare()


def serve_relay(settings: Mapping[str, Any], path: str) -> bool:
    """In the run's tracker process, after `prepare`: serves other processes' calls at the socket `path` (relay.py).

    False, and nothing served, for a backend whose client stays in the calling process.
    """
    parsed = Settings.from_mapping(settings)
    if parsed.backend not in relay.RELAYED:
        return False
    relay.serve(path, lambda: _client_backend(parsed))
    return True


def pipeline_run(settings: Settings, run_id: Optional[str] = None, guard: Optional[Guard] = None) -> GuardedRun:
    """The parent run of this pipeline run (found by run id, or started), behind a guard."""
    guard = guard or Guard(settings.backend, settings.timeout_seconds)
    key = run_id or context.run_id()
    return GuardedRun(guard, lambda: open_backend(settings).pipeline_run(key))


def record_outcome(settings: Mapping[str, Any], run_id: str, outcome: Mapping[str, Any]) -> Dict[str, Any]:
    """Adds what only the end of a run knows (evaluation, verdict, pushed version, MLMD run id) to its run.

    `outcome` holds `metrics` (name -> value), `tags` (name -> text) and `failed`. Returns where the run is
    (backend, run, the command or URL that opens it) and the warning, if the tracker failed.
    """
    parsed = Settings.from_mapping(settings)
    if parsed.backend == "none":
        return {"backend": "none"}
    run = pipeline_run(parsed, run_id)
    run.log_metrics(outcome.get("metrics", {}))
    run.set_tags(outcome.get("tags", {}))
    run.end(failed=bool(outcome.get("failed")))
    return dict(run.where())


def list_runs(settings: Mapping[str, Any], limit: int = 20) -> List[Dict[str, Any]]:
    """The backend's pipeline runs, newest first, as plain dicts (run_id, started, params, metrics, tags).

    Unlike training, `vtx runs` wants to know a tracker is down: errors propagate, within the time budget.
    """
    parsed = Settings.from_mapping(settings)
    guard = Guard(parsed.backend, parsed.timeout_seconds)
    records: Optional[List[RunRecord]] = guard.call(lambda: open_backend(parsed).list_runs(limit), None)
    if records is None:
        raise RuntimeError(guard.warnings[0])
    return [record.__dict__ for record in records]
