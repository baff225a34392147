"""Runs the VertexPusher component against the loopback Vertex AI fake, with an Evaluator output made here."""

from pathlib import Path
from typing import Any, Dict, Optional

import tensorflow as tf
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.evaluators import metrics_validator
from tensorflow_model_analysis.metrics import metric_types
from tensorflow_model_analysis.writers import metrics_plots_and_validations_writer as tfma_writer
from tfx.types import standard_artifacts

from components.vertex.pusher import BLESSED_KEY, VertexPusher


def write_evaluation(folder: Path, accuracy: float, threshold: float = 0.9) -> str:
    """An Evaluator output as TFMA writes it: the overall metrics and their validation against `threshold`."""
    folder.mkdir(parents=True)
    # Keyed as TFMA keys metrics of a config without example weights, so that the thresholds find them.
    metrics = {
        metric_types.MetricKey("accuracy", example_weighted=None): accuracy,
        metric_types.MetricKey("example_count", example_weighted=None): 68.0,
    }
    eval_config = tfma.EvalConfig(
        metrics_specs=[
            tfma.MetricsSpec(
                thresholds={"accuracy": tfma.MetricThreshold(value_threshold={"lower_bound": {"value": threshold}})}
            )
        ]
    )
    overall = ((), metrics)
    with tf.io.TFRecordWriter(str(folder / "metrics-00000-of-00001.tfrecord")) as records:
        records.write(tfma_writer.convert_slice_metrics_to_proto(overall, []).SerializeToString())
    with tf.io.TFRecordWriter(str(folder / "validations.tfrecord")) as records:
        records.write(metrics_validator.validate_metrics(overall, eval_config).SerializeToString())
    return str(folder)


def push_once(
    folder: Path,
    model_uri: str,
    parameters: Dict[str, Any],
    blessed: bool = True,
    accuracy: Optional[float] = 0.987,
) -> standard_artifacts.PushedModel:
    """One VertexPusher execution on the model at `model_uri` (gs://), its artifacts under `folder`."""
    model, blessing = standard_artifacts.Model(), standard_artifacts.ModelBlessing()
    evaluation, pushed = standard_artifacts.ModelEvaluation(), standard_artifacts.PushedModel()
    model.uri = model_uri
    blessing.set_int_custom_property(BLESSED_KEY, int(blessed))
    evaluation.uri = str(folder / "evaluation")
    if accuracy is not None:
        write_evaluation(folder / "evaluation", accuracy)
    pushed.uri = str(folder / "pushed_model")
    VertexPusher.test_call(
        model=model, model_blessing=blessing, evaluation=evaluation, pushed_model=pushed, **parameters
    )
    return pushed
