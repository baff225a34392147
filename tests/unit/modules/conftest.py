"""Shared fixtures for the modules/ unit tests: the curated raw schema, and penguins as TFT instances or tf.Examples."""

import csv
import math
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

import pytest

# Importing modules first sets TF_USE_LEGACY_KERAS before any test module imports TensorFlow.
from modules import features

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SCHEMA_PATH = PROJECT_ROOT / "modules" / "schema.pbtxt"
DATA_PATH = PROJECT_ROOT / "data" / "penguins.csv"

# A raw penguin: column -> value (a number, a string, or a CSV cell), None when the value is missing.
RawRow = Mapping[str, Optional[Any]]


@pytest.fixture(scope="session")
def raw_schema():
    """modules/schema.pbtxt, the schema Transform reads the raw examples with."""
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(SCHEMA_PATH))


@pytest.fixture(scope="session")
def raw_metadata(raw_schema):
    import tensorflow_transform as tft

    return tft.DatasetMetadata(raw_schema)


@pytest.fixture(scope="session")
def raw_feature_spec(raw_schema) -> Dict[str, Any]:
    """The schema as a feature spec: a VarLenFeature per column (the schema gives no fixed shapes)."""
    from tensorflow_transform.tf_metadata import schema_utils

    return schema_utils.schema_as_feature_spec(raw_schema).feature_spec


@pytest.fixture(scope="session")
def csv_penguins() -> List[Dict[str, Optional[str]]]:
    """data/penguins.csv as rows of strings, 'NA' as None."""
    with DATA_PATH.open(newline="") as handle:
        return [{key: None if value == "NA" else value for key, value in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture(scope="session")
def as_instance(raw_feature_spec) -> Callable[[RawRow], Dict[str, list]]:
    """A raw row -> a TFT instance dict typed by the schema: [] for a missing value, else [value]."""
    import tensorflow as tf

    def convert(row: RawRow) -> Dict[str, list]:
        instance: Dict[str, list] = {}
        for key, spec in raw_feature_spec.items():
            value = row.get(key)
            if value is None:
                instance[key] = []
            elif spec.dtype == tf.string:
                instance[key] = [str(value).encode()]
            elif spec.dtype == tf.int64:
                instance[key] = [int(value)]
            else:
                instance[key] = [float(value)]
        return instance

    return convert


@pytest.fixture(scope="session")
def as_example(as_instance) -> Callable[[RawRow], bytes]:
    """A raw row -> a serialized tf.Example that holds only the row's present values."""
    import tensorflow as tf

    def convert(row: RawRow) -> bytes:
        feature = {}
        for key, values in as_instance(row).items():
            if not values:
                continue
            if isinstance(values[0], bytes):
                feature[key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
            elif isinstance(values[0], int):
                feature[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
            else:
                feature[key] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
        return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()

    return convert


@pytest.fixture(scope="session")
def as_raw_inputs() -> Callable[[List[RawRow]], Dict[str, Any]]:
    """Raw rows -> the serving_raw signature's inputs: one [batch] tensor per raw feature, NaN or "" if missing."""
    import tensorflow as tf

    def convert(rows: List[RawRow]) -> Dict[str, Any]:
        inputs = {}
        for key, dtype in features.raw_dtypes().items():
            values = [row.get(key) for row in rows]
            if dtype == "string":
                inputs[key] = tf.constant(["" if value is None else str(value) for value in values], tf.string)
            else:
                inputs[key] = tf.constant([math.nan if value is None else float(value) for value in values], tf.float32)
        return inputs

    return convert
