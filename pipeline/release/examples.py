"""The held-out examples a smoke test sends: a version's eval split, or a JSON Lines file a client could send."""

import glob
import json
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence

EVAL_SPLIT = "Split-eval"


class ExamplesError(Exception):
    """No examples to send, or a file that is not JSON Lines of instances with the label; one line."""


@dataclass(frozen=True)
class Examples:
    """Instances as a client sends them (raw features, null for a missing value) and each one's true label."""

    instances: List[Dict[str, Any]]
    labels: List[str]
    source: str


def from_file(path: str, features: Sequence[str], label: str, limit: int) -> Examples:
    """JSON Lines, one instance per line with its label column too: {"island": "Biscoe", ..., "species": "Adelie"}."""
    instances: List[Dict[str, Any]] = []
    labels: List[str] = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                if len(instances) == limit:
                    break
                row = _row(path, number, line, label)
                instances.append({name: row.get(name) for name in features})
                labels.append(str(row[label]))
    except OSError as error:
        raise ExamplesError(f"cannot read the examples file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ExamplesError(f"the examples file {path} is not UTF-8 text") from None
    if not instances:
        raise ExamplesError(f"the examples file {path} holds no instance")
    return Examples(instances, labels, path)


def _row(path: str, number: int, line: str, label: str) -> Dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise ExamplesError(f"{path}, line {number}: not JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise ExamplesError(
            f"{path}, line {number}: an instance is a JSON object of features, not {type(row).__name__}"
        )
    if row.get(label) is None:
        raise ExamplesError(f"{path}, line {number}: no '{label}', the true label the accuracy check needs")
    return row


def from_eval_split(examples_uri: str, features: Sequence[str], label: str, limit: int) -> Examples:
    """The first `limit` rows of the eval split ExampleGen wrote (gzipped tf.Example records)."""
    import tensorflow as tf

    split = os.path.join(examples_uri, EVAL_SPLIT)
    files = sorted(glob.glob(os.path.join(split, "*")))
    if not files:
        raise ExamplesError(f"no eval split at {split}; pass --examples FILE")
    instances: List[Dict[str, Any]] = []
    labels: List[str] = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP").take(limit):
        example = tf.train.Example.FromString(record.numpy())
        values = {name: _value(feature) for name, feature in example.features.feature.items()}
        if values.get(label) is None:
            continue
        instances.append({name: values.get(name) for name in features})
        labels.append(str(values[label]))
    if not instances:
        raise ExamplesError(f"the eval split at {split} has no example with a label")
    return Examples(instances, labels, split)


def _value(feature: Any) -> Any:
    """One tf.Example feature as JSON: its first value, None when it has none (a missing cell)."""
    kind = feature.WhichOneof("kind")
    values = list(getattr(feature, kind).value) if kind else []
    if not values:
        return None
    value = values[0]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
