"""The tracking interface every backend implements: settings, a run, a backend, and a tracked run's record."""

import abc
from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Mapping, Optional

# The key of the Tuner's and Trainer's custom_config that holds the settings (pipeline/dag/targets.py sets it).
SETTINGS_KEY = "tracking"
BACKENDS = ("mlflow", "vertex", "neptune", "none")
# Tags every backend writes on a pipeline run, under these names; `vtx runs` reads them back.
RUN_ID, ROLE = "vtx.pipeline_run_id", "vtx.role"


@dataclass(frozen=True)
class Settings:
    """Where runs go, as the pipeline settings decided it (tracking.* and the target's project)."""

    backend: str = "none"
    experiment: str = "vertex-tfx"
    # MLflow: the tracking URI and, for the embedded store, the artifact folder beside it.
    uri: Optional[str] = None
    artifact_uri: Optional[str] = None
    # Vertex AI: project, region and (tests, Private Service Connect) another API endpoint; Neptune: the project.
    project: Optional[str] = None
    location: Optional[str] = None
    api_endpoint: Optional[str] = None
    # Set on Vertex AI: the executors find the pipeline job's id under it, and the job joins the experiment.
    pipeline_root: Optional[str] = None
    # The most time the tracker may cost one process; after that, and after its first error, it is off.
    timeout_seconds: float = 20.0
    # Pipeline settings a run records as parameters (the split, eval steps), named by the pipeline.
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, values: Optional[Mapping[str, Any]]) -> "Settings":
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in (values or {}).items() if k in known})
        if settings.backend not in BACKENDS:
            raise ValueError(f"tracking backend {settings.backend!r} is not one of {', '.join(BACKENDS)}")
        return settings


@dataclass
class RunRecord:
    """One pipeline run as a backend gives it back: `vtx runs` lists and compares these."""

    run_id: str
    started: str
    params: Dict[str, str] = field(default_factory=dict)
    metrics: Dict[str, float] = field(default_factory=dict)
    tags: Dict[str, str] = field(default_factory=dict)


class Run(abc.ABC):
    """One tracked run: the pipeline run (the parent) or a tuner trial (its child)."""

    @abc.abstractmethod
    def log_params(self, params: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None: ...

    @abc.abstractmethod
    def set_tags(self, tags: Mapping[str, str]) -> None: ...

    @abc.abstractmethod
    def child(self, name: str) -> "Run": ...

    @abc.abstractmethod
    def end(self, failed: bool = False) -> None: ...

    def where(self) -> Dict[str, Any]:
        """Where this run can be seen (backend, ids, a URL or a command); written next to the model."""
        return {}


class Backend(abc.ABC):
    """One kind of tracker. `pipeline_run` finds or starts the parent run of a pipeline run id."""

    name = "none"

    @abc.abstractmethod
    def pipeline_run(self, run_id: str) -> Run: ...

    @abc.abstractmethod
    def list_runs(self, limit: int) -> List[RunRecord]: ...
