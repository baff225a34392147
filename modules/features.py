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
LABEL_KEY: str = _DATASET["label"]

# The token that stands in for a missing categorical value, inside and outside vocabularies.
MISSING_CATEGORY = "__missing__"
# How many out-of-vocabulary buckets each categorical feature gets for unseen values.
OOV_BUCKETS = 1


def feature_keys() -> List[str]:
    """All raw feature keys the model reads, numerics first."""
    return NUMERIC_FEATURES + CATEGORICAL_FEATURES


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
    """The dtype a client sends for each raw feature: 'float' or 'string'."""
    types = {key: "float" for key in NUMERIC_FEATURES}
    types.update({key: "string" for key in CATEGORICAL_FEATURES})
    return types
