"""Unit tests of components.output_check and the Evaluator executor's use of it: a model whose outputs are NaN,
negative or do not sum to 1 on the eval split is not blessed, and every reader of the evaluation says why."""

from pathlib import Path
from typing import List

import numpy as np
import pytest
import tensorflow as tf
from tfx.types import standard_artifacts

from components import evaluation, evaluation_facts, output_check
from components.executors import EvaluatorExecutor
from pipeline.report.verdict import read_verdict

pytestmark = pytest.mark.unit


def saved_model(folder: Path, row: List[float], signature: str = "serving_examples") -> str:
    """A SavedModel whose tf.Example signature answers `row` as the probabilities of every example."""

    class Fixed(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples):
            rows = tf.shape(examples)[0]
            return {"probabilities": tf.tile(tf.constant([row], tf.float32), [rows, 1])}

    module = Fixed()
    tf.saved_model.save(module, str(folder), signatures={signature: module.serve})
    return str(folder)


def eval_split(folder: Path, count: int = 7) -> str:
    split = folder / "Split-eval"
    split.mkdir(parents=True)
    with tf.io.TFRecordWriter(str(split / "data_tfrecord-00000-of-00001.gz"), options="GZIP") as out:
        for i in range(count):
            feature = {"bill_length_mm": tf.train.Feature(float_list=tf.train.FloatList(value=[40.0 + i]))}
            out.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return str(folder)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([0.2, 0.3, 0.5], None),
        ([float("nan"), 0.5, 0.5], "model outputs: 7 of 7 eval examples have NaN or infinite probabilities"),
        ([-0.2, 0.7, 0.5], "model outputs: 7 of 7 eval examples have negative probabilities"),
        (
            [0.2, 0.2, 0.2],
            "model outputs: the probabilities of 7 of 7 eval examples do not sum to 1 ± 0.0001 (worst 0.6)",
        ),
    ],
    ids=["valid", "nan", "negative", "sum"],
)
def test_each_kind_of_broken_output_is_named(tmp_path, row, expected):
    found = output_check.problem(saved_model(tmp_path / "model", row), eval_split(tmp_path / "examples"))
    assert found == expected


def test_a_model_without_probabilities_is_named(tmp_path):
    class Other(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples):
            return {"scores": tf.zeros([tf.shape(examples)[0], 3])}

    module = Other()
    tf.saved_model.save(module, str(tmp_path / "model"), signatures={"serving_default": module.serve})
    found = output_check.problem(str(tmp_path / "model"), eval_split(tmp_path / "examples"))
    assert found == "model outputs: no 'probabilities' output (it has scores)"


def test_the_evaluator_does_not_bless_a_nan_model_and_every_reader_says_why(tmp_path):
    model, examples = standard_artifacts.Model(), standard_artifacts.Examples()
    model.uri = str(tmp_path / "Trainer" / "model")
    saved_model(tmp_path / "Trainer" / "model" / "Format-Serving", [np.nan, 0.5, 0.5])
    examples.uri = eval_split(tmp_path / "examples")
    evaluation_out, blessing = standard_artifacts.ModelEvaluation(), standard_artifacts.ModelBlessing()
    evaluation_out.uri, blessing.uri = str(tmp_path / "evaluation"), str(tmp_path / "blessing")
    EvaluatorExecutor().Do(
        {"model": [model], "examples": [examples]}, {"evaluation": [evaluation_out], "blessing": [blessing]}, {}
    )
    reason = "model outputs: 7 of 7 eval examples have NaN or infinite probabilities"
    assert blessing.get_int_custom_property("blessed") == 0
    assert Path(blessing.uri, "NOT_BLESSED").is_file()
    assert evaluation.output_check_failure(evaluation_out.uri) == reason
    assert read_verdict(evaluation_out.uri, False).failures == [reason]
    assert evaluation_facts.not_blessed_reason(evaluation_out.uri) == f"not blessed: {reason}"
