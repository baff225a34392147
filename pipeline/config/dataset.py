"""The dataset definition (modules/dataset.yaml), read as data, and the settings derived from it."""

import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from pipeline.config.base import Section

# The file in the modules package that names the dataset; modules/features.py reads the same file.
DATASET_FILE = "dataset.yaml"
# The suffix preprocessing_fn gives a transformed feature (modules/features.py: transformed_name). modules/
# cannot be imported here, so this is a copy; tests/unit/modules/test_features.py holds the two equal.
TRANSFORMED_SUFFIX = "_xf"
PIPELINE_PREFIX = "vertex-tfx-"
# The numeric parts preprocessing_fn makes of a date column (modules/features.py: DATE_PARTS is a copy;
# tests/unit/modules/test_features.py holds the two equal).
DATE_PARTS = ("year", "month", "day", "day_of_week", "hour")
DEFAULT_DATE_PARTS = ["year", "month", "day_of_week", "hour"]
# What a date column's cells may hold (modules/runtime/dates.py: DATE_PATTERN is a copy, held equal by a test).
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?"
DATE_FORMAT = "YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (a T may stand for the space)"


class DatasetError(ValueError):
    """The dataset definition is missing, unreadable or inconsistent; the message names the file and the key."""


class Features(Section):
    numeric: List[str] = []
    categorical: List[str] = []
    # Dates or timestamps (2013-01-01, 2013-01-01 05:00[:00], 2013-01-01T05:00:00): preprocessing_fn turns each
    # into the numeric parts date_parts names.
    date: List[str] = []
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
    # The label's classes in the order the model numbers them (the order of every answer's class names);
    # empty: the order of their frequency in the training data. `vtx init` writes them in numeric order for a
    # numeric label, else in alphabetical order.
    classes: List[str] = []
    date_parts: List[str] = Field(default_factory=lambda: list(DEFAULT_DATE_PARTS))

    @field_validator("classes", mode="before")
    @classmethod
    def _class_names(cls, value: Any) -> Any:
        # YAML reads 3 as a number; a class name is the CSV cell's text. An unquoted true could stand for true,
        # True or TRUE in the CSV, so it is refused rather than guessed.
        if isinstance(value, list):
            if any(isinstance(item, bool) for item in value):
                raise ValueError("quote boolean class names as the CSV writes them, e.g. ['True', 'False']")
            return [str(item) for item in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "DatasetConfig":
        if not self.feature_columns:
            raise ValueError("features: name at least one numeric, categorical or date column")
        unknown_parts = [part for part in self.date_parts if part not in DATE_PARTS]
        if unknown_parts or (self.features.date and not self.date_parts):
            raise ValueError(f"date_parts: choose among {', '.join(DATE_PARTS)}, not {unknown_parts or 'none'}")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("classes: a class is named twice")
        seen: Dict[str, str] = {self.label: "label"}
        for kind in ("numeric", "categorical", "date", "ignored"):
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
        return self.features.numeric + self.features.categorical + self.features.date

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


def is_date(cell: str) -> bool:
    """True when preprocessing_fn can read the cell as a date (DATE_PATTERN, with a month, day and hour in range)."""
    if not re.fullmatch(DATE_PATTERN, cell, re.ASCII):
        return False
    hour = int(cell[11:13]) if len(cell) >= 13 else 0
    return 1 <= int(cell[5:7]) <= 12 and 1 <= int(cell[8:10]) <= 31 and hour <= 23


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
