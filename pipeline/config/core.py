"""Typed pipeline settings, built once from a profile file, a config file, the environment and flags."""

from pathlib import Path
from typing import Any, Dict, List, Optional

from pydantic import Field, field_validator, model_validator

from pipeline import contract
from pipeline.config import content_address
from pipeline.config.base import Section as _Section
from pipeline.config.batch import BatchConfig
from pipeline.config.beam import BeamConfig
from pipeline.config.dataset import DatasetConfig
from pipeline.config.monitoring import MonitoringConfig
from pipeline.config.release import ReleaseConfig
from pipeline.config.schedule import ScheduleConfig
from pipeline.config.serving import ServingConfig
from pipeline.config.tracking import TrackingConfig, runtime_settings
from pipeline.config.uri import is_gcs, join_uri
from pipeline.config.validation import ValidationConfig
from pipeline.config.vertex import VertexConfig

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
# Keys whose values are filesystem paths, resolved against the layer they came from.
PATH_KEYS = (
    "data_root",
    "output_root",
    "schema_path",
    "modules.package_dir",
    "schedule.batch_prediction.input",
    "schedule.batch_prediction.output",
)


def serving_dir(output_root: str, dataset_name: str) -> str:
    """Where the local Pusher puts the versions of one dataset's model."""
    return join_uri(output_root, "serving_model", dataset_name)


class ModulesConfig(_Section):
    """Where the data scientist's code lives, named by path, never imported by the pipeline."""

    package_dir: str
    preprocessing_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    tuner_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    run_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    # The tracking module the pipeline names for what it records after a run and `vtx runs` reads.
    tracking: str = Field(default="modules.runtime.tracking", pattern=r"^[\w.]+$")


class SplitConfig(_Section):
    """A reproducible train/eval split: hash buckets of each row's key (split_key, else the row's position)."""

    train_buckets: int = Field(ge=1, le=100)
    eval_buckets: int = Field(ge=1, le=100)


class TrainingConfig(_Section):
    train_steps: int = Field(ge=1, le=1_000_000)
    eval_steps: int = Field(ge=1, le=100_000)
    # Seeds Python, NumPy, TensorFlow (with deterministic ops), Keras and the Tuner's oracle: the same data,
    # code and seed give the same model and metrics.
    seed: int = Field(default=7, ge=0, le=2**31 - 1)


class TuningConfig(_Section):
    enabled: bool
    trials: int = Field(ge=1, le=1000)
    train_steps: int = Field(ge=1, le=1_000_000)


class EvaluationConfig(_Section):
    """When a model is blessed; docs/your-data.md#when-a-model-is-blessed explains the bars."""

    # Derived from modules/dataset.yaml by the loader: the label after preprocessing_fn, and the slices.
    label_key: str
    slice_features: List[str]
    # The model output TFMA reads: the serving contract's, unless a model of your own names another.
    prediction_key: str = contract.PROBABILITIES
    # The least accuracy a model needs, on top of beat_most_common_class.
    accuracy_threshold: float = Field(default=0.0, ge=0.0, le=1.0)
    # Also better than always answering the eval split's most common class, by `standard_errors`.
    beat_most_common_class: bool = True
    # A drop against the baseline blocks a push when it exceeds both this and `standard_errors` standard errors.
    max_accuracy_drop: float = Field(default=0.01, ge=0.0, le=1.0)
    # A standard error here is the largest an accuracy measured on n eval examples can have: 0.5/sqrt(n).
    standard_errors: float = Field(default=1.0, ge=0.0, le=10.0)


class PipelineConfig(_Section):
    """Every setting of one pipeline run; `create_pipeline` reads nothing else."""

    profile: str
    # The dataset definition, read from <modules.package_dir>/dataset.yaml, and what the loader derives from it.
    dataset: DatasetConfig
    pipeline_name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,127}$")
    data_root: str
    label_column: str = Field(min_length=1)
    output_root: str
    schema_path: Optional[str]
    modules: ModulesConfig
    split: SplitConfig
    training: TrainingConfig
    tuning: TuningConfig
    evaluation: EvaluationConfig
    # `vtx batch-predict`: what happens to predicted inputs, rows per model call.
    batch: BatchConfig = BatchConfig()
    # Where the Beam steps run: `direct` here, or a runner whose workers get this project's code.
    beam: BeamConfig = BeamConfig()
    enable_cache: bool
    # Experiment tracking: the backend, where its runs go, the experiment's name.
    tracking: TrackingConfig
    # When training and batch prediction run on their own: `vtx schedule`.
    schedule: Optional[ScheduleConfig] = None
    # Set by the `vertex` profile: where and how the same DAG runs on Google Cloud.
    vertex: Optional[VertexConfig] = None
    # `vtx monitor`: where logged requests are read, the window, skew and drift thresholds.
    monitoring: MonitoringConfig = MonitoringConfig()
    # `vtx serve`: the local prediction server and its request-response log.
    serving: ServingConfig = ServingConfig()
    # The stages a blessed model goes through (staging, production) and the smoke test between them.
    release: ReleaseConfig = ReleaseConfig()
    # Rows per split and missing values per feature, checked with the schema before anything trains.
    validation: ValidationConfig = ValidationConfig()

    @field_validator("data_root", "output_root")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _tracking_target(self) -> "PipelineConfig":
        if self.tracking.backend == "vertex" and self.vertex is None:
            raise ValueError("tracking.backend: vertex (Vertex AI Experiments) needs the vertex profile")
        if self.tracking.backend == "mlflow" and self.vertex is not None and not self.tracking.uri:
            raise ValueError("tracking.uri: on Vertex AI the mlflow backend needs a server (or MLFLOW_TRACKING_URI)")
        return self

    @model_validator(mode="after")
    def _vertex_target(self) -> "PipelineConfig":
        vertex = self.vertex
        if not vertex:
            return self
        # Vertex AI's tasks and Dataflow's workers see Cloud Storage, never this machine's folders.
        if not is_gcs(self.data_root):
            raise ValueError(f"data_root must be a gs:// URI on Vertex AI, not {self.data_root!r}")
        if self.beam.runner not in ("dataflow", "direct"):
            raise ValueError(
                f"beam.runner {self.beam.runner} is not offered on Vertex AI: dataflow (workers that run vertex.image)"
                " or direct (inside each pipeline task)"
            )
        images = [flag.split("=", 1)[1] for flag in self.beam.extra_args if flag.startswith("--sdk_container_image=")]
        if self.beam.runner == "dataflow" and images and images[-1] != vertex.image:
            raise ValueError(
                f"beam.extra_args: --sdk_container_image={images[-1]} is not vertex.image, so Dataflow's workers would"
                " lack this project's code; leave the flag out"
            )
        return self

    @property
    def pipeline_root(self) -> str:
        if self.vertex:
            return self.vertex.pipeline_root
        return join_uri(self.output_root, "tfx")

    def runtime_path(self, local_path: str) -> str:
        """Where a file of this checkout is when the pipeline runs: here, in the image, or under modules_uri.

        Under modules_uri, a file of modules/ is at its own content address (content_address.py), so that its
        location changes when its bytes do and never with the commit.
        """
        if not self.vertex:
            return local_path
        path = Path(local_path)
        package_dir = Path(self.modules.package_dir)
        if self.vertex.modules_uri and path.is_relative_to(package_dir):
            return content_address.location(self.vertex.modules_uri, path)
        if not path.is_relative_to(PROJECT_ROOT):
            raise ValueError(f"{local_path} is outside the project, so the image does not have it")
        return join_uri(self.vertex.code_root, path.relative_to(PROJECT_ROOT).as_posix())

    def modules_location(self) -> Optional[str]:
        """The gs:// folder a modules-only deploy reads modules/ from (its content address), else None: the image's."""
        if not self.vertex or not self.vertex.modules_uri:
            return None
        return self.runtime_path(self.modules.package_dir)

    @property
    def metadata_path(self) -> str:
        return join_uri(self.output_root, "metadata.sqlite")

    @property
    def serving_dir(self) -> str:
        """The dataset's own registry: models of different datasets in one output_root never mix."""
        return serving_dir(self.output_root, self.dataset.name)

    @property
    def log_dir(self) -> str:
        return join_uri(self.output_root, "logs")

    def tracking_settings(self) -> Dict[str, Any]:
        """What modules/runtime/tracking is told: backend, experiment, where runs go, the pipeline's own params."""
        settings = runtime_settings(self.tracking, self.pipeline_name, self.output_root, self.vertex)
        split = f"{self.split.train_buckets}:{self.split.eval_buckets}"
        return {**settings, "params": {"split": split, "eval_steps": self.training.eval_steps}}

    @property
    def neptune_dir(self) -> str:
        return join_uri(self.output_root, ".neptune")

    def beam_args(self) -> List[str]:
        """The Beam flags of every Beam step: the runner's, Dataflow's from the vertex settings, beam.extra_args."""
        vertex = self.vertex
        if vertex and self.beam.runner == "dataflow":
            return self.beam.args(vertex.dataflow_args)
        return self.beam.args()
