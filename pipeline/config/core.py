"""Typed pipeline settings, built once from a profile file, a config file, the environment and flags."""

from pathlib import Path
from typing import List, Literal, Optional

from pydantic import Field, field_validator

from pipeline import contract
from pipeline.config.base import Section as _Section
from pipeline.config.batch import BatchConfig
from pipeline.config.dataset import DatasetConfig
from pipeline.config.monitoring import MonitoringConfig
from pipeline.config.release import ReleaseConfig
from pipeline.config.schedule import ScheduleConfig
from pipeline.config.serving import ServingConfig
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
    return str(Path(output_root) / "serving_model" / dataset_name)


class ModulesConfig(_Section):
    """Where the data scientist's code lives, named by path, never imported by the pipeline."""

    package_dir: str
    preprocessing_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    tuner_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    run_fn: str = Field(pattern=r"^[\w.]+\.\w+$")


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


class BeamConfig(_Section):
    direct_num_workers: int = Field(ge=0, le=256)
    direct_running_mode: Literal["in_memory", "multi_threading", "multi_processing"]


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
    beam: BeamConfig
    enable_cache: bool
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

    @property
    def pipeline_root(self) -> str:
        if self.vertex:
            return self.vertex.pipeline_root
        return str(Path(self.output_root) / "tfx")

    def runtime_path(self, local_path: str) -> str:
        """Where a file of this checkout is when the pipeline runs: here, in the image, or under modules_uri."""
        if not self.vertex:
            return local_path
        path = Path(local_path)
        package_dir = Path(self.modules.package_dir)
        if self.vertex.modules_uri and path.is_relative_to(package_dir):
            return self.vertex.modules_uri.rstrip("/") + "/" + path.relative_to(package_dir).as_posix()
        if not path.is_relative_to(PROJECT_ROOT):
            raise ValueError(f"{local_path} is outside the project, so the image does not have it")
        return self.vertex.code_root.rstrip("/") + "/" + path.relative_to(PROJECT_ROOT).as_posix()

    @property
    def metadata_path(self) -> str:
        return str(Path(self.output_root) / "metadata.sqlite")

    @property
    def serving_dir(self) -> str:
        """The dataset's own registry: models of different datasets in one output_root never mix."""
        return serving_dir(self.output_root, self.dataset.name)

    @property
    def log_dir(self) -> str:
        return str(Path(self.output_root) / "logs")

    @property
    def neptune_dir(self) -> str:
        return str(Path(self.output_root) / ".neptune")

    def beam_args(self) -> List[str]:
        """Beam flags: Dataflow's when configured, else those that differ from the DirectRunner's defaults.

        TFX packages itself as an sdist for remote workers whenever any Beam flag is set
        (about 2 s per Beam component), which a local in-memory run does not need.
        """
        if self.vertex and self.vertex.dataflow.enabled:
            return self.vertex.dataflow_args()
        args = []
        if self.beam.direct_num_workers != 1:
            args.append(f"--direct_num_workers={self.beam.direct_num_workers}")
        if self.beam.direct_running_mode != "in_memory":
            args.append(f"--direct_running_mode={self.beam.direct_running_mode}")
        return args
