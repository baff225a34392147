"""The `neptune` backend: the neptune client, for a self-hosted Neptune server or offline files.

Neptune's hosted service closed on 2026-03-05. With NEPTUNE_API_TOKEN (of a self-hosted server) and
NEPTUNE_PROJECT set, runs go to that server; without them they stay offline under NEPTUNE_DATA_DIRECTORY.
A pipeline run is one Neptune run (its custom run id is the pipeline run id, so the Tuner and the Trainer
write to the same run on a server); each tuner trial is the namespace trials/<id> of it.
"""

import os
from pathlib import Path
from typing import Any, Dict, List, Literal, Mapping, Optional, get_args

from modules.runtime.tracking.base import Backend, Run, RunRecord, Settings

TOKEN_ENV = "NEPTUNE_API_TOKEN"
PROJECT_ENV = "NEPTUNE_PROJECT"
MODE_ENV = "NEPTUNE_MODE"
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


def _flat(values: Mapping[str, Any]) -> Dict[str, Any]:
    return {k.replace(".", "_"): v for k, v in values.items()}


class NeptuneRun(Run):
    def __init__(self, run: Any, namespace: str = ""):
        self.run, self.namespace = run, namespace

    def _path(self, group: str) -> str:
        return f"{self.namespace}/{group}" if self.namespace else group

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.run[self._path("parameters")] = _flat(params)

    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        for key, value in _flat(metrics).items():
            if step is None:
                self.run[f"{self._path('metrics')}/{key}"] = float(value)
            else:
                self.run[f"{self._path('metrics')}/{key}"].append(float(value), step=step)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self.run[self._path("vtx")] = {k.replace("vtx.", "", 1): str(v) for k, v in tags.items()}

    def child(self, name: str) -> Run:
        return NeptuneRun(self.run, f"trials/{name}")

    def end(self, failed: bool = False) -> None:
        if not self.namespace:
            self.run.stop(seconds=5)

    def where(self) -> Dict[str, Any]:
        run_mode = mode()
        info: Dict[str, Any] = {"mode": run_mode}
        if run_mode in ("async", "sync"):
            info["open"] = self.run.get_url()
        elif run_mode == "offline":
            info["offline_dir"] = str(Path(os.environ.get("NEPTUNE_DATA_DIRECTORY", ".neptune")).resolve())
        return info


class NeptuneBackend(Backend):
    name = "neptune"

    def __init__(self, settings: Settings):
        import neptune

        self._neptune = neptune
        self.project = settings.project or os.environ.get(PROJECT_ENV)

    def pipeline_run(self, run_id: str) -> Run:
        run_mode = mode()
        run = self._neptune.init_run(
            project=self.project if run_mode != "offline" else None,
            mode=run_mode,
            custom_run_id=run_id[:36],
            name=run_id,
            capture_stdout=False,
            capture_stderr=False,
            capture_hardware_metrics=False,
            capture_traceback=False,
            source_files=[],
            git_ref=False,
        )
        run["vtx/pipeline_run_id"] = run_id
        run["vtx/role"] = "pipeline"
        return NeptuneRun(run)

    def list_runs(self, limit: int) -> List[RunRecord]:
        if mode() not in ("async", "sync") or not self.project:
            raise ValueError("listing Neptune runs needs a Neptune server: set NEPTUNE_API_TOKEN and NEPTUNE_PROJECT")
        project = self._neptune.init_project(project=self.project, mode="read-only")
        try:
            table = project.fetch_runs_table(limit=limit, sort_by="sys/creation_time").to_pandas()
        finally:
            project.stop()
        rows = [{k: v for k, v in row.items() if v == v and v is not None} for row in table.to_dict("records")]
        return [_record(row) for row in rows if row.get("vtx/role", "pipeline") == "pipeline"][:limit]


def _group(row: Mapping[str, Any], prefix: str) -> Dict[str, Any]:
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}


def _record(row: Mapping[str, Any]) -> RunRecord:
    return RunRecord(
        run_id=str(row.get("vtx/pipeline_run_id", row.get("sys/id", ""))),
        started=str(row.get("sys/creation_time", "")),
        params={k: str(v) for k, v in _group(row, "parameters/").items()},
        metrics={k: float(v) for k, v in _group(row, "metrics/").items() if isinstance(v, (int, float))},
        tags={f"vtx.{k}": str(v) for k, v in _group(row, "vtx/").items()},
    )
