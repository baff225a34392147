"""Like with like: discrete numeric features compared value by value, continuous ones by histogram.

A whole-number feature with few distinct values (a count of 0 to 9, a class 1/2/3) is a handful of point
masses; cut into TFDV's ten equal-width buckets, two samples of the same distribution can put those masses
on different sides of an edge and look skewed. Marked categorical in the schema (int_domain.is_categorical),
TFDV counts each value instead, and checks skew and drift with the L-infinity distance between their shares.
Continuous features keep TFDV's Jensen-Shannon divergence, which re-buckets both histograms onto the union of
their edges before comparing them.
"""

import glob
import os
from typing import Dict, Iterator, List, Optional, Sequence, Set

# A whole-number feature whose training values span at most this many integers is compared by value.
MAX_DISCRETE_VALUES = 20
# The training examples read to count the values of discrete features, at most (in file order).
MAX_TRAINING_EXAMPLES = 500_000


def discrete_features(training, schema, served: Sequence[str]) -> Set[str]:
    """The served INT features whose training values span at most MAX_DISCRETE_VALUES integers."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    ints = {feature.name for feature in schema.feature if feature.type == schema_pb2.INT}
    found = set()
    for feature in training.datasets[0].features:
        name = ".".join(feature.path.step) or feature.name
        if name in ints and name in served and feature.HasField("num_stats"):
            low, high = feature.num_stats.min, feature.num_stats.max
            if high - low + 1 <= MAX_DISCRETE_VALUES:
                found.add(name)
    return found


def categorical_schema(schema, discrete: Set[str]):
    """A copy of the schema with the discrete features marked categorical (their range dropped)."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    result = schema_pb2.Schema()
    result.CopyFrom(schema)
    for feature in result.feature:
        if feature.name in discrete:
            feature.ClearField("domain_info")
            feature.int_domain.is_categorical = True
    return result


def stats_options(schema):
    """The statistics options both sides are computed with: this schema decides what is categorical."""
    import tensorflow_data_validation as tfdv

    return tfdv.StatsOptions(schema=schema)


def _records(split_uri: str) -> Iterator[bytes]:
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(split_uri, "*")))
    yield from (record.numpy() for record in tf.data.TFRecordDataset(files, compression_type="GZIP"))


def training_frame(split_uri: str, schema, features: List[str]):
    """The training split's values of `features` as a DataFrame (missing as None/NaN), in file order."""
    import pandas as pd
    import tensorflow as tf
    from tensorflow_metadata.proto.v0 import schema_pb2

    kinds = {feature.name: feature.type for feature in schema.feature}
    columns: Dict[str, List[Optional[object]]] = {name: [] for name in features}
    for count, record in enumerate(_records(split_uri)):
        if count >= MAX_TRAINING_EXAMPLES:
            break
        example = tf.train.Example.FromString(record).features.feature
        for name in features:
            # A proto map's get() is not the dict's: look the key up first.
            values = example[name] if name in example else None  # noqa: SIM401
            columns[name].append(_first(values, kinds.get(name, schema_pb2.BYTES)))
    frame = {}
    for name, values in columns.items():
        if kinds.get(name) == schema_pb2.INT:
            frame[name] = pd.array(values, dtype="Int64")
        elif kinds.get(name) == schema_pb2.FLOAT:
            frame[name] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
        else:
            frame[name] = pd.array(values, dtype="object")
    return pd.DataFrame(frame)


def _first(feature, kind) -> Optional[object]:
    from tensorflow_metadata.proto.v0 import schema_pb2

    if feature is None:
        return None
    if kind == schema_pb2.INT:
        values = list(feature.int64_list.value)
    elif kind == schema_pb2.FLOAT:
        values = list(feature.float_list.value)
    else:
        values = [value.decode("utf-8", errors="replace") for value in feature.bytes_list.value]
    return values[0] if values else None
