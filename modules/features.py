"""The one shared vocabulary of raw feature keys, their types, and the label, read from dataset.yaml."""

from pathlib import Path
from typing import Any, Dict, List

import yaml

# The dataset is named in dataset.yaml beside this file (the pipeline reads the same file, as data): edit the
# label and the columns there, or write it with `vtx init`.
DATASET_FILE = Path(__file__).with_name("dataset.yaml")


def _definition() -> Dict[str, Any]:
    with DATASET_FILE.open() as handle:
        return yaml.safe_load(handle)


_DATASET = _definition()
DATASET_NAME: str = _DATASET["name"]
NUMERIC_FEATURES: List[str] = list(_DATASET["features"].get("numeric") or [])
CATEGORICAL_FEATURES: List[str] = list(_DATASET["features"].get("categorical") or [])
DATE_FEATURES: List[str] = list(_DATASET["features"].get("date") or [])
LABEL_KEY: str = _DATASET["label"]
# The label's classes in the order the model numbers them; empty: by their frequency in the training data.
# YAML reads 3 as a number; a class name is the CSV cell's text (the pipeline refuses unquoted booleans).
LABEL_CLASSES: List[str] = [str(name) for name in _DATASET.get("classes") or []]

# The numeric parts a date column can give (the pipeline's copy is pipeline/config/dataset.py: DATE_PARTS).
DATE_PARTS = ("year", "month", "day", "day_of_week", "hour")
CHOSEN_DATE_PARTS: List[str] = list(_DATASET.get("date_parts") or ["year", "month", "day_of_week", "hour"])

# The token that stands in for a missing categorical value, inside and outside vocabularies.
MISSING_CATEGORY = "__missing__"
# How many out-of-vocabulary buckets each categorical feature gets for unseen values.
OOV_BUCKETS = 1


def feature_keys() -> List[str]:
    """All raw feature keys the model reads, numerics first, dates last."""
    return NUMERIC_FEATURES + CATEGORICAL_FEATURES + DATE_FEATURES


def date_part_name(key: str, part: str) -> str:
    """The raw name of one numeric part of a date column: 'departed' -> 'departed_month'."""
    return f"{key}_{part}"


def numeric_inputs() -> List[str]:
    """The numeric model inputs before transformed_name: the numeric features, then each date's parts."""
    return NUMERIC_FEATURES + [date_part_name(key, part) for key in DATE_FEATURES for part in CHOSEN_DATE_PARTS]


def model_inputs() -> List[str]:
    """The model's inputs before transformed_name: numeric inputs, then categoricals."""
    return numeric_inputs() + CATEGORICAL_FEATURES


def transformed_name(key: str) -> str:
    """The name of a feature after preprocessing_fn."""
    return f"{key}_xf"


def label_vocabulary_name() -> str:
    """The TFT vocabulary file that maps class names to class ids."""
    return LABEL_KEY


def vocabulary_name(key: str) -> str:
    """The TFT vocabulary file of a categorical feature."""
    return f"{key}_vocab"


def raw_dtypes() -> Dict[str, str]:
    """The dtype a client sends for each raw feature: 'float' or 'string' (a date as the CSV wrote it)."""
    types = {key: "float" for key in NUMERIC_FEATURES}
    types.update({key: "string" for key in CATEGORICAL_FEATURES + DATE_FEATURES})
    return types
