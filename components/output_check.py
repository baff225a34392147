"""The candidate's outputs on the eval split, checked before the Evaluator may bless it: a model that answers null,
NaN, negative or not-summing-to-1 probabilities is not blessed, and the reason is kept beside the evaluation."""

import json
import os
from typing import Any, Dict, Optional

from components import preloaded_model

REASON_FILE = "output_check.json"
PROBABILITIES = "probabilities"  # pipeline/contract.py's name; components cannot import pipeline/
EXAMPLES_SIGNATURES = ("serving_examples", "serving_default")  # the model's tf.Example-in signature, by preference
SUM_TOLERANCE = 1e-4
MAX_EXAMPLES = 1000


def _examples(examples_uri: str, limit: int):
    import tensorflow as tf

    files = tf.io.gfile.glob(os.path.join(examples_uri, "Split-eval", "*"))
    return [r.numpy() for r in tf.data.TFRecordDataset(sorted(files), compression_type="GZIP").take(limit)]


def _signature(model: Any):
    for name in EXAMPLES_SIGNATURES:
        if name in model.signatures:
            return model.signatures[name]
    raise ValueError(f"the model has none of the signatures {', '.join(EXAMPLES_SIGNATURES)}")


def problem(model_dir: str, examples_uri: str, limit: int = MAX_EXAMPLES) -> Optional[str]:
    """Why the model's probabilities on the eval split are not a valid answer, or None when they are."""
    import numpy as np
    import tensorflow as tf

    records = _examples(examples_uri, limit)
    if not records:
        return "model outputs: the eval split has no example to check them on"
    outputs = _signature(preloaded_model.load(model_dir))(examples=tf.constant(records))
    if PROBABILITIES not in outputs:
        return f"model outputs: no '{PROBABILITIES}' output (it has {', '.join(sorted(outputs))})"
    values = np.asarray(outputs[PROBABILITIES].numpy(), dtype=np.float64)
    count = len(records)
    if values.ndim != 2 or values.shape[0] != count or values.shape[1] == 0:
        return f"model outputs: probabilities of shape {values.shape}, not one row of classes per example"
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        return f"model outputs: {int(bad.sum())} of {count} eval examples have NaN or infinite probabilities"
    negative = (values < 0).any(axis=1)
    if negative.any():
        return f"model outputs: {int(negative.sum())} of {count} eval examples have negative probabilities"
    sums = values.sum(axis=1)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if off.any():
        worst = float(sums[np.argmax(np.abs(sums - 1.0))])
        return (
            f"model outputs: the probabilities of {int(off.sum())} of {count} eval examples do not sum to 1 "
            f"± {SUM_TOLERANCE:g} (worst {worst:.6g})"
        )
    return None


def record(evaluation_uri: str, found: Optional[str], checked: int) -> None:
    from tfx.dsl.io import fileio

    fileio.makedirs(evaluation_uri)
    body: Dict[str, Any] = {"passed": found is None, "problem": found, "checked": checked}
    with fileio.open(os.path.join(evaluation_uri, REASON_FILE), "w") as out:
        out.write(json.dumps(body, indent=2) + "\n")
