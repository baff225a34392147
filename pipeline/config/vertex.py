"""Typed settings of the Vertex AI target: project, image, Vertex Training, the pusher, Neptune."""

from typing import Dict, List, Literal, Optional

from pydantic import Field, field_validator, model_validator

from pipeline.config.base import Section

_GCS = r"^gs://[a-z0-9][a-z0-9._-]{1,220}(/.*)?$"
_LABEL = r"^[a-z][a-z0-9_-]{0,62}$"


class TrainingConfig(Section):
    """The Trainer as a Vertex AI custom job."""

    enabled: bool
    machine_type: str
    accelerator_type: Optional[str] = None
    accelerator_count: int = Field(default=0, ge=0, le=16)
    replica_count: int = Field(default=1, ge=1, le=100)

    @model_validator(mode="after")
    def _accelerator_pairs(self) -> "TrainingConfig":
        if bool(self.accelerator_type) != bool(self.accelerator_count):
            raise ValueError("accelerator_type and accelerator_count go together: set both or neither")
        return self


class TuningConfig(Section):
    """The Tuner as a Vertex AI custom job whose workers run trials in parallel."""

    enabled: bool
    machine_type: str
    parallel_trials: int = Field(ge=1, le=100)


class RequestLoggingConfig(Section):
    """Request-response logging of the endpoint to BigQuery."""

    enabled: bool
    sampling_rate: float = Field(gt=0.0, le=1.0)
    # bq://project.dataset.table; defaults to bq://<project>, where Vertex creates the dataset and table.
    bigquery_table: Optional[str] = Field(default=None, pattern=r"^bq://[\w-]+(\.\w+(\.\w+)?)?$")


class PusherConfig(Section):
    """Blessed models go to the Vertex AI Model Registry and the staging endpoint (release.stages)."""

    model_display_name: str = Field(min_length=1, max_length=128)
    # custom: the model is served by `vtx serve` in serving_image (the JSON contract of docs/serving.md);
    # prebuilt: by Vertex AI's TensorFlow Serving container for the TF version we train with, if one exists.
    serving: Literal["custom", "prebuilt"] = "custom"
    # The custom serving container's image; defaults to vertex.image, which has `vtx serve`.
    serving_image: Optional[str] = Field(default=None, min_length=1)
    # The production endpoint's request-response log; the staging endpoint logs nothing (smoke traffic is not
    # users'). Endpoints, machines and traffic are per stage: release.stages.
    request_logging: RequestLoggingConfig

    @model_validator(mode="after")
    def _serving_image(self) -> "PusherConfig":
        if self.serving == "prebuilt" and self.serving_image:
            raise ValueError("serving_image is the image of serving: custom; serving: prebuilt picks Vertex AI's own")
        return self


class NeptuneConfig(Section):
    """Neptune on Vertex: the project is a setting; the token is read at run time, never compiled."""

    project: Optional[str] = None
    # A Secret Manager secret holding the API token: a name in this project, or projects/../secrets/..
    token_secret: Optional[str] = None


class VertexConfig(Section):
    """Where the DAG runs on Google Cloud; project, region, pipeline_root and image are required."""

    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+\d+$")
    pipeline_root: str = Field(pattern=_GCS)
    image: str = Field(min_length=1)
    service_account: Optional[str] = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$")
    labels: Dict[str, str] = {}
    # Modules-only deploys: the gs:// folder that holds uploads of modules/ and of the schema, each in a folder
    # named by its content (pipeline/config/content_address.py). Unset, the image's copies are used.
    modules_uri: Optional[str] = Field(default=None, pattern=_GCS)
    # Where the project root (the folder holding pipeline/ and modules/) is inside the image.
    code_root: str = "/pipeline"
    # Another Vertex AI API endpoint (e.g. Private Service Connect); http:// only for a loopback fake.
    api_endpoint: Optional[str] = None
    training: TrainingConfig
    tuning: TuningConfig
    pusher: PusherConfig
    neptune: NeptuneConfig = NeptuneConfig()

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: Dict[str, str]) -> Dict[str, str]:
        for key, value in labels.items():
            if not _matches(_LABEL, key) or (value and not _matches(r"^[a-z0-9_-]{0,63}$", value)):
                raise ValueError(f"label {key}={value} is not a valid Google Cloud label (lowercase, digits, _ and -)")
        return labels

    @property
    def serving_image(self) -> str:
        """The image of the custom serving container: the pusher's own, else the pipeline image."""
        return self.pusher.serving_image or self.image

    def dataflow_args(self) -> List[str]:
        """The Dataflow flags that follow from these settings; beam.extra_args (machine type, workers) add the rest.

        The workers run the pipeline image, which carries this project's code and its locked packages.
        """
        args = [
            f"--project={self.project}",
            f"--region={self.region}",
            f"--temp_location={self.pipeline_root.rstrip('/')}/dataflow/tmp",
            f"--sdk_container_image={self.image}",
        ]
        if self.service_account:
            args.append(f"--service_account_email={self.service_account}")
        return args

    def secret_version(self) -> Optional[str]:
        """The full Secret Manager version name of the Neptune token, if one is configured."""
        secret = self.neptune.token_secret
        if not secret:
            return None
        if secret.startswith("projects/"):
            return secret if "/versions/" in secret else f"{secret}/versions/latest"
        return f"projects/{self.project}/secrets/{secret}/versions/latest"


def _matches(pattern: str, value: str) -> bool:
    import re

    return re.fullmatch(pattern, value) is not None
