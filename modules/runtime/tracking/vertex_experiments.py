"""The `vertex` backend: Vertex AI Experiments through google-cloud-aiplatform, as the job's service account.

Vertex AI keeps per-step series only in a backing TensorBoard instance, a billed resource the SDK would
otherwise create on its own; runs here have none, so a metric logged per epoch keeps its latest value.
"""

import re
from typing import Any, Dict, List, Mapping, Optional

from modules.runtime.tracking.base import ROLE, RUN_ID, Backend, Run, RunRecord, Settings

CONSOLE = "https://console.cloud.google.com/vertex-ai/experiments/locations/{location}/experiments/{experiment}"


def resource_id(text: str) -> str:
    """A Vertex AI Experiments name: lowercase letters, digits and hyphens, starting with a letter or digit."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return cleaned[:60] or "run"


def _value(value: Any) -> Any:
    return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else str(value)


class VertexRun(Run):
    def __init__(self, backend: "VertexBackend", run: Any):
        self._backend, self._run = backend, run

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._run.log_params({k: _value(v) for k, v in params.items()})

    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        self._run.log_metrics({k: float(v) for k, v in metrics.items()})

    def set_tags(self, tags: Mapping[str, str]) -> None:
        # Experiment runs have parameters and metrics only: tags are string parameters.
        self._run.log_params({k: str(v) for k, v in tags.items()})

    def child(self, name: str) -> Run:
        run = self._backend.get_or_create(f"{self._run.name}-{resource_id(name)}")
        run.log_params({ROLE: "trial", "vtx.parent_run": self._run.name})
        return VertexRun(self._backend, run)

    def end(self, failed: bool = False) -> None:
        from google.cloud.aiplatform_v1 import Execution

        self._run.end_run(state=Execution.State.FAILED if failed else Execution.State.COMPLETE)

    def where(self) -> Dict[str, Any]:
        backend = self._backend
        url = CONSOLE.format(location=backend.location, experiment=backend.experiment) + f"?project={backend.project}"
        return {"run": self._run.name, "experiment": backend.experiment, "open": url}


class VertexBackend(Backend):
    name = "vertex"

    def __init__(self, settings: Settings):
        from google.cloud import aiplatform

        if not settings.project or not settings.location:
            raise ValueError("the vertex tracking backend needs vertex.project and vertex.region")
        self.project, self.location = settings.project, settings.location
        self.experiment = resource_id(settings.experiment)
        self._aiplatform = aiplatform
        kwargs: Dict[str, Any] = {}
        if settings.api_endpoint:
            kwargs.update(api_endpoint=settings.api_endpoint, api_transport="rest")
            if settings.api_endpoint.startswith("http://"):
                from google.auth.credentials import AnonymousCredentials

                kwargs["credentials"] = AnonymousCredentials()
        aiplatform.init(project=self.project, location=self.location, experiment_tensorboard=False, **kwargs)
        self._experiment: Optional[Any] = None
        # Set inside a Vertex AI pipeline job: its run id is the job's id, and the job joins the experiment.
        self._in_job = bool(settings.pipeline_root)

    @property
    def experiment_resource(self) -> Any:
        if self._experiment is None:
            self._experiment = self._aiplatform.Experiment.get_or_create(self.experiment)
        return self._experiment

    def get_or_create(self, name: str) -> Any:
        found = self._aiplatform.ExperimentRun.get(name, experiment=self.experiment_resource)
        return found or self._aiplatform.ExperimentRun.create(name, experiment=self.experiment_resource)

    def pipeline_run(self, run_id: str) -> Run:
        run = self.get_or_create(resource_id(run_id))
        run.log_params({RUN_ID: run_id, ROLE: "pipeline"})
        if self._in_job:
            self.associate_job(run_id)
        return VertexRun(self, run)

    def associate_job(self, job_id: str) -> None:
        """Puts the pipeline job's run under the experiment, so the console shows it beside the experiment run."""
        name = f"projects/{self.project}/locations/{self.location}/pipelineJobs/{job_id}"
        job = self._aiplatform.PipelineJob.get(name)
        if job.get_associated_experiment() is None:
            job._associate_to_experiment(self.experiment_resource)

    def list_runs(self, limit: int) -> List[RunRecord]:
        found = []
        for run in self._aiplatform.ExperimentRun.list(experiment=self.experiment_resource):
            params = {k: str(v) for k, v in run.get_params().items()}
            if params.get(ROLE) == "pipeline":
                found.append((run._metadata_node.create_time, run, params))
        found.sort(key=lambda item: item[0], reverse=True)
        return [
            RunRecord(
                run_id=params.get(RUN_ID, run.name),
                started=created.strftime("%Y-%m-%d %H:%M:%S"),
                params={k: v for k, v in params.items() if not k.startswith("vtx.")},
                metrics={k: float(v) for k, v in run.get_metrics().items() if isinstance(v, (int, float))},
                tags={k: v for k, v in params.items() if k.startswith("vtx.")},
            )
            for created, run, params in found[:limit]
        ]
