"""Typed pipeline settings, built once from a profile file, a config file, the environment and flags."""

from pathlib import Path
from typing import List, Literal, Optional

from pydantic import Field, field_validator

from pipeline import contract
from pipeline.config.base import Section as _Section
from pipeline.config.batch import BatchConfig
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


class ModulesConfig(_Section):
    """Where the data scientist's code lives, named by path, never imported by the pipeline."""

    package_dir: str
    preprocessing_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    tuner_fn: str = Field(pattern=r"^[\w.]+\.\w+$")
    run_fn: str = Field(pattern=r"^[\w.]+\.\w+$")


class SplitConfig(_Section):
    """A reproducible train/eval split by hash buckets."""

    train_buckets: int = Field(ge=1, le=100)
    eval_buckets: int = Field(ge=1, le=100)


class TrainingConfig(_Section):
    train_steps: int = Field(ge=1, le=1_000_000)
    eval_steps: int = Field(ge=1, le=100_000)


class TuningConfig(_Section):
    enabled: bool
    trials: int = Field(ge=1, le=1000)
    train_steps: int = Field(ge=1, le=1_000_000)


class EvaluationConfig(_Section):
    label_key: str
    # The model output TFMA reads: the serving contract's, unless a model of your own names another.
    prediction_key: str = contract.PROBABILITIES
    accuracy_threshold: float = Field(ge=0.0, le=1.0)
    max_accuracy_drop: float = Field(ge=0.0, le=1.0)
    slice_features: List[str]


class BeamConfig(_Section):
    direct_num_workers: int = Field(ge=0, le=256)
    direct_running_mode: Literal["in_memory", "multi_threading", "multi_processing"]


class PipelineConfig(_Section):
    """Every setting of one pipeline run; `create_pipeline` reads nothing else."""

    profile: str
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
        return str(Path(self.output_root) / "serving_model")

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
