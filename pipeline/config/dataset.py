"""The dataset definition (modules/dataset.yaml), read as data, and the settings derived from it."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from pydantic import Field, ValidationError, model_validator

from pipeline.config.base import Section

# The file in the modules package that names the dataset; modules/features.py reads the same file.
DATASET_FILE = "dataset.yaml"
# The suffix preprocessing_fn gives a transformed feature (modules/features.py: transformed_name). modules/
# cannot be imported here, so this is a copy; tests/unit/modules/test_features.py holds the two equal.
TRANSFORMED_SUFFIX = "_xf"
PIPELINE_PREFIX = "vertex-tfx-"


class DatasetError(ValueError):
    """The dataset definition is missing, unreadable or inconsistent; the message names the file and the key."""


class Features(Section):
    numeric: List[str] = []
    categorical: List[str] = []
    # Columns of the CSV that the model does not read (ids, free text, leaks of the label).
    ignored: List[str] = []


class DatasetConfig(Section):
    """What the data scientist names once: the dataset, its label, its features, slices and split key."""

    # Lowercase letters, digits and '-': it names the pipeline, the Vertex AI model and endpoint, and labels.
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,46}[a-z0-9]$")
    label: str = Field(min_length=1)
    features: Features
    slices: List[str] = []
    split_key: Optional[str] = None

    @model_validator(mode="after")
    def _consistent(self) -> "DatasetConfig":
        if not self.features.numeric and not self.features.categorical:
            raise ValueError("features: name at least one numeric or categorical column")
        seen: Dict[str, str] = {self.label: "label"}
        for kind in ("numeric", "categorical", "ignored"):
            for column in getattr(self.features, kind):
                if column in seen:
                    raise ValueError(f"column '{column}' is named twice: as {seen[column]} and in features.{kind}")
                seen[column] = f"features.{kind}"
        for key, columns in (("slices", self.slices), ("split_key", [self.split_key] if self.split_key else [])):
            unknown = [column for column in columns if column not in seen]
            if unknown:
                raise ValueError(f"{key}: '{unknown[0]}' is not a column named here (label, features or ignored)")
        if self.split_key == self.label:
            raise ValueError("split_key: the label cannot decide the split; name an id column or null")
        return self

    @property
    def feature_columns(self) -> List[str]:
        """The columns the model reads, numerics first (the order of modules/features.py: feature_keys)."""
        return self.features.numeric + self.features.categorical

    @property
    def columns(self) -> List[str]:
        """Every column the definition names: the label, the features and the ignored ones."""
        return [self.label, *self.feature_columns, *self.features.ignored]

    @property
    def pipeline_name(self) -> str:
        return PIPELINE_PREFIX + self.name

    @property
    def label_key(self) -> str:
        """The label after preprocessing_fn, which the Evaluator reads."""
        return self.label + TRANSFORMED_SUFFIX


def dataset_path(package_dir: str) -> Path:
    return Path(package_dir) / DATASET_FILE


def read_dataset(package_dir: str) -> DatasetConfig:
    """The definition in <package_dir>/dataset.yaml; DatasetError names the file and the bad key."""
    path = dataset_path(package_dir)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise DatasetError(
            f"no dataset definition {path}; write one with `vtx init --data DIR --label COLUMN`"
        ) from None
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise DatasetError(f"{path} is not valid YAML{line}: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{path} must be a mapping: name, label, features, slices, split_key")
    try:
        return DatasetConfig.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        key = ".".join(str(part) for part in problem["loc"])
        what = "unknown key" if problem["type"] == "extra_forbidden" else problem["msg"]
        raise DatasetError(f"{path}: {key + ': ' if key else ''}{what}".replace("Value error, ", "")) from None


def derived_settings(dataset: DatasetConfig, tree: Dict[str, Any]) -> Dict[str, Any]:
    """Every setting the definition decides (dotted key -> value), for the sections `tree` has."""
    derived: Dict[str, Any] = {
        "pipeline_name": dataset.pipeline_name,
        "label_column": dataset.label,
        "evaluation.label_key": dataset.label_key,
        "evaluation.slice_features": list(dataset.slices),
    }
    if isinstance(tree.get("vertex"), dict):
        derived["vertex.pusher.model_display_name"] = dataset.pipeline_name
    schedule = tree.get("schedule")
    if isinstance(schedule, dict) and isinstance(schedule.get("training"), dict):
        derived["schedule.training.display_name"] = f"{dataset.pipeline_name}-training"
    return derived
