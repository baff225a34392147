"""The Evaluator's bars, judged with the eval split's size: the least accuracy, and the largest allowed drop.

An accuracy measured on n examples has a standard error of sqrt(p(1-p)/n), at most 0.5/sqrt(n). A drop
against the baseline blocks a push only when it exceeds both max_accuracy_drop and `standard_errors` of
those, so a verdict on 70 eval examples is not decided by one or two of them. The least accuracy is the
configured threshold, and (unless turned off) better than the trivial model by the same margin: the one that
always answers the training split's most frequent class, scored on the eval split. That bar fits any dataset
without knowing it, so a new dataset needs no threshold to get a meaningful verdict.
"""

import json
import math
import os
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Tuple

# The Evaluator's extra parameter: this policy as JSON (the pipeline's evaluation settings and dataset).
POLICY = "evaluation_policy"
ACCURACY_METRIC = "accuracy"
# The split the trivial model learns its one answer from (pipeline/dag/factory.py names the splits).
TRAIN_SPLIT = "train"
# Custom properties of the ModelBlessing: the bars in force, for the summary and the report.
PREFIX = "bar_"


@dataclass(frozen=True)
class Policy:
    label_column: str
    standard_errors: float = 1.0
    beat_most_common_class: bool = True
    dataset: Optional[Dict[str, Any]] = None
    # The pipeline's name, recorded on the blessing: Vertex AI's baseline query asks for it (vertex/compile.py).
    pipeline: Optional[str] = None

    @classmethod
    def from_json(cls, text: Optional[str]) -> Optional["Policy"]:
        return cls(**json.loads(text)) if text else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class Bars:
    """What a candidate must reach, on this eval split."""

    eval_examples: int
    # The trivial model: always answering the training split's most frequent class, and its accuracy on eval.
    trivial_class: str
    trivial_accuracy: float
    accuracy: float
    allowed_drop: float


def standard_error(examples: int) -> float:
    """The largest standard error of an accuracy measured on `examples` examples."""
    return 0.5 / math.sqrt(examples) if examples else 0.5


def trivial_class(train_counts: Counter) -> Any:
    """The training split's most frequent class; of equally frequent ones, the first in sorted order."""
    return min(train_counts, key=lambda name: (-train_counts[name], str(name))) if train_counts else ""


def bars(train_counts: Counter, eval_counts: Counter, threshold: float, max_drop: float, policy: Policy) -> Bars:
    """The least accuracy and the largest allowed drop, from the label counts of the train and eval splits."""
    examples = sum(eval_counts.values())
    margin = policy.standard_errors * standard_error(examples)
    trivial = trivial_class(train_counts)
    share = eval_counts.get(trivial, 0) / examples if examples else 0.0
    least = max(threshold, min(1.0, share + margin)) if policy.beat_most_common_class else threshold
    name = trivial.decode() if isinstance(trivial, bytes) else str(trivial)
    return Bars(examples, name, share, least, max(max_drop, margin))


def label_counts(split_uri: str, label: str, schema_file: str) -> Counter:
    """How often each value of `label` occurs in the gzipped tf.Examples of one split (missing ones left out)."""
    import tensorflow as tf
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx.utils import io_utils

    schema = io_utils.SchemaReader().read(schema_file)
    kinds = {schema_pb2.INT: tf.int64, schema_pb2.FLOAT: tf.float32}
    dtype = next((kinds.get(f.type, tf.string) for f in schema.feature if f.name == label), tf.string)
    files = tf.io.gfile.glob(os.path.join(split_uri, "*"))
    counts: Counter = Counter()
    records = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(4096)
    for batch in records:
        values = tf.io.parse_example(batch, {label: tf.io.VarLenFeature(dtype)})[label].values.numpy()
        counts.update(value.item() if hasattr(value, "item") else value for value in values)
    return counts


def apply(eval_config_json: str, policy: Policy, train_counts: Counter, counts: Counter) -> Tuple[str, Bars]:
    """(the eval config with the bars in its accuracy thresholds, the Bars) for the splits' label counts.

    The configured bars are read from the config itself: the lower bound of accuracy (the threshold, after
    the accuracy_threshold parameter) and the change threshold (-max_accuracy_drop).
    """
    import tensorflow_model_analysis as tfma
    from google.protobuf import json_format
    from tfx.utils import proto_utils

    eval_config = json_format.Parse(eval_config_json, tfma.EvalConfig())
    entries = [
        entry
        for spec in eval_config.metrics_specs
        for metric in spec.metrics
        if json.loads(metric.config or "{}").get("name") == ACCURACY_METRIC
        for entry in [metric.threshold] + [t.threshold for t in metric.per_slice_thresholds]
    ]
    given = [e.value_threshold.lower_bound.value for e in entries if e.HasField("value_threshold")]
    drops = [-e.change_threshold.absolute.value for e in entries if e.HasField("change_threshold")]
    found = bars(train_counts, counts, max(given, default=0.0), max(drops, default=0.0), policy)
    for entry in entries:
        if entry.HasField("value_threshold"):
            entry.value_threshold.lower_bound.value = found.accuracy
        if entry.HasField("change_threshold"):
            entry.change_threshold.absolute.value = -found.allowed_drop
    return proto_utils.proto_to_json(eval_config), found


def record(blessing: Any, found: Bars) -> None:
    """Writes the bars in force on the ModelBlessing artifact."""
    blessing.set_int_custom_property(PREFIX + "eval_examples", found.eval_examples)
    blessing.set_string_custom_property(PREFIX + "trivial_class", found.trivial_class)
    for name in ("trivial_accuracy", "accuracy", "allowed_drop"):
        blessing.set_float_custom_property(PREFIX + name, float(getattr(found, name)))
