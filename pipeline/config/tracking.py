"""Typed settings of experiment tracking, and what the Tuner and Trainer are told of them."""

from pathlib import Path
from typing import Any, Dict, Literal, Optional

from pydantic import Field

from pipeline.config.base import Section
from pipeline.config.vertex import VertexConfig

# The settings key of the Tuner's and Trainer's custom_config; modules/runtime/tracking/base.py reads it.
SETTINGS_KEY = "tracking"
# The embedded MLflow store and its artifacts, under the output root.
MLFLOW_DB = "mlflow.db"
MLFLOW_ARTIFACTS = "mlartifacts"


class TrackingConfig(Section):
    """Where runs are tracked: mlflow (local default), vertex (Vertex AI Experiments), neptune, or none."""

    backend: Literal["mlflow", "vertex", "neptune", "none"]
    # mlflow: a tracking URI (a team's server, a database); unset: MLFLOW_TRACKING_URI, else the SQLite
    # file <output_root>/mlflow.db with artifacts in <output_root>/mlartifacts.
    uri: Optional[str] = Field(default=None, min_length=1)
    # The experiment's name; unset: the pipeline's name.
    experiment: Optional[str] = Field(default=None, min_length=1, max_length=128)
    # The most time a tracker may cost one step (the Tuner, the Trainer, the summary) before it is turned off.
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)


def mlflow_uri(tracking: TrackingConfig, output_root: str) -> str:
    """The MLflow tracking URI runs go to: tracking.uri, else the SQLite file under the output root."""
    return tracking.uri or "sqlite:///" + str((Path(output_root) / MLFLOW_DB).resolve())


def runtime_settings(
    tracking: TrackingConfig, pipeline_name: str, output_root: str, vertex: Optional[VertexConfig]
) -> Dict[str, Any]:
    """The settings the Tuner and Trainer (and `vtx runs`) hand to modules/runtime/tracking."""
    settings: Dict[str, Any] = {
        "backend": tracking.backend,
        "experiment": tracking.experiment or pipeline_name,
        "timeout_seconds": tracking.timeout_seconds,
    }
    if tracking.backend == "mlflow":
        settings["uri"] = mlflow_uri(tracking, output_root)
        if not tracking.uri:
            settings["artifact_uri"] = str((Path(output_root) / MLFLOW_ARTIFACTS).resolve())
    if vertex is not None:
        # The executors read the pipeline job's name (the run id) from their outputs' paths under it.
        settings["pipeline_root"] = vertex.pipeline_root
    if tracking.backend == "vertex" and vertex is not None:
        settings.update(project=vertex.project, location=vertex.region)
        if vertex.api_endpoint:
            settings["api_endpoint"] = vertex.api_endpoint
    if tracking.backend == "neptune" and vertex is not None and vertex.neptune.project:
        settings["project"] = vertex.neptune.project
    return settings
