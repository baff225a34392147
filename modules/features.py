"""The one shared vocabulary of raw feature keys, their types, and the label."""

from typing import Dict, List

# >>> Edit here: the columns of your CSV that the model uses. <<<
NUMERIC_FEATURES: List[str] = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
]
CATEGORICAL_FEATURES: List[str] = ["island", "sex"]
LABEL_KEY = "species"

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
