"""The `mlflow` backend: an MLflow tracking store (the embedded SQLite file, or a team's server by URI)."""

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from modules.runtime.tracking.base import ROLE, RUN_ID, Backend, Run, RunRecord, Settings

# A dead server must cost seconds: one try per request, each with a short timeout (MLflow's defaults
# are 7 retries with backoff and 120 s per request). Set only when the user has not chosen otherwise.
_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
_PARENT = "mlflow.parentRunId"


def ui_command(uri: str) -> str:
    """The command that opens these runs in MLflow's UI: the mlflow beside this Python, so it works as printed."""
    if not uri.startswith("sqlite:"):
        return f"open {uri} in a browser"
    beside = Path(sys.executable).parent / "mlflow"
    return f"{beside if beside.is_file() else 'mlflow'} ui --backend-store-uri {uri}"


class MlflowRun(Run):
    def __init__(self, backend: "MlflowBackend", run_id: str):
        self._backend, self.run_id = backend, run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        self._backend.client.log_batch(self.run_id, params=[Param(k, str(v)) for k, v in params.items()])

    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        batch = [Metric(k, float(v), stamp, step or 0) for k, v in metrics.items()]
        self._backend.client.log_batch(self.run_id, metrics=batch)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        from mlflow.entities import RunTag

        self._backend.client.log_batch(self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def child(self, name: str) -> Run:
        tags = {_PARENT: self.run_id, ROLE: "trial", RUN_ID: self._backend.tag(self.run_id, RUN_ID)}
        created = self._backend.client.create_run(self._backend.experiment_id, run_name=name, tags=tags)
        return MlflowRun(self._backend, created.info.run_id)

    def end(self, failed: bool = False) -> None:
        self._backend.client.set_terminated(self.run_id, "FAILED" if failed else "FINISHED")

    def where(self) -> Dict[str, Any]:
        uri = self._backend.uri
        return {"run": self.run_id, "experiment": self._backend.experiment, "uri": uri, "open": ui_command(uri)}


class MlflowBackend(Backend):
    name = "mlflow"

    def __init__(self, settings: Settings):
        for name, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
        from mlflow import MlflowClient

        # Creating the SQLite store logs each schema migration at INFO: noise in a run's console.
        for name in ("mlflow", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)

        self.uri = settings.uri or os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"
        self.experiment = settings.experiment
        self._artifacts = settings.artifact_uri
        self.client = MlflowClient(tracking_uri=self.uri)
        self._experiment_id: Optional[str] = None

    @property
    def experiment_id(self) -> str:
        if self._experiment_id is None:
            found = self.client.get_experiment_by_name(self.experiment)
            self._experiment_id = (
                found.experiment_id
                if found
                else self.client.create_experiment(self.experiment, artifact_location=self._artifacts)
            )
        return self._experiment_id

    def prepare(self) -> None:
        """The store (a new SQLite file is created and migrated by the client's first request) and the experiment."""
        _ = self.experiment_id

    def tag(self, run_id: str, key: str) -> str:
        return self.client.get_run(run_id).data.tags.get(key, "")

    def pipeline_run(self, run_id: str) -> Run:
        query = f"tags.`{RUN_ID}` = '{run_id}' and tags.`{ROLE}` = 'pipeline'"
        found = self.client.search_runs([self.experiment_id], filter_string=query, max_results=1)
        if found:
            return MlflowRun(self, found[0].info.run_id)
        created = self.client.create_run(self.experiment_id, run_name=run_id, tags={RUN_ID: run_id, ROLE: "pipeline"})
        return MlflowRun(self, created.info.run_id)

    def list_runs(self, limit: int) -> List[RunRecord]:
        if self.client.get_experiment_by_name(self.experiment) is None:
            return []
        runs = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`{ROLE}` = 'pipeline'",
            order_by=["attributes.start_time DESC"],
            max_results=limit,
        )
        return [
            RunRecord(
                run_id=run.data.tags.get(RUN_ID, run.info.run_id),
                started=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(run.info.start_time / 1000)),
                params=dict(run.data.params),
                metrics=dict(run.data.metrics),
                tags={k: v for k, v in run.data.tags.items() if k.startswith("vtx.")},
            )
            for run in runs
        ]
