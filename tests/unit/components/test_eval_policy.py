"""Unit tests of components.eval_policy: bars that follow the eval split's size and its most common class."""

import json
from collections import Counter

import pytest
import tensorflow as tf
import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx.utils import proto_utils

from components import eval_policy
from components.eval_policy import Policy

pytestmark = pytest.mark.unit

POLICY = Policy(label_column="species")


def test_the_standard_error_is_the_largest_an_accuracy_on_n_examples_can_have():
    assert eval_policy.standard_error(100) == pytest.approx(0.05)
    assert eval_policy.standard_error(10_000) == pytest.approx(0.005)
    assert eval_policy.standard_error(0) == 0.5


def test_the_bar_is_the_trivial_model_plus_one_standard_error():
    counts = Counter({"a": 60, "b": 30, "c": 10})
    found = eval_policy.bars(counts, counts, threshold=0.0, max_drop=0.01, policy=POLICY)

    assert found == eval_policy.Bars(
        eval_examples=100, trivial_class="a", trivial_accuracy=0.6, accuracy=0.65, allowed_drop=0.05
    )


def test_the_trivial_model_answers_the_most_frequent_training_class_scored_on_eval():
    # 'b' is the most frequent class in training but not in eval: the trivial model scores its eval share.
    train, evaluation = Counter({b"a": 30, b"b": 50, b"c": 20}), Counter({b"a": 50, b"b": 30, b"c": 20})
    found = eval_policy.bars(train, evaluation, threshold=0.0, max_drop=0.01, policy=POLICY)

    assert found.trivial_class == "b"
    assert found.trivial_accuracy == pytest.approx(0.3)
    assert found.accuracy == pytest.approx(0.35)


def test_of_equally_frequent_training_classes_the_first_in_order_is_the_trivial_answer():
    assert eval_policy.trivial_class(Counter({8: 5, 4: 5, 6: 1})) == 4
    assert eval_policy.trivial_class(Counter()) == ""


def test_a_configured_threshold_above_the_bar_wins_and_a_large_split_keeps_the_configured_drop():
    counts = Counter({"a": 5000, "b": 5000})
    found = eval_policy.bars(counts, counts, threshold=0.9, max_drop=0.01, policy=POLICY)

    assert found.accuracy == 0.9
    assert found.allowed_drop == 0.01


def test_a_drop_of_two_examples_in_seventy_does_not_block_but_a_real_one_does():
    counts = Counter({"a": 35, "b": 35})
    found = eval_policy.bars(counts, counts, threshold=0.0, max_drop=0.01, policy=POLICY)

    assert 2 / 70 < found.allowed_drop < 5 / 70


def test_the_margin_scales_with_standard_errors_and_the_most_common_class_rule_can_be_turned_off():
    counts = Counter({"a": 80, "b": 20})
    wide = eval_policy.bars(counts, counts, 0.0, 0.0, Policy("y", standard_errors=2.0))
    off = eval_policy.bars(counts, counts, 0.3, 0.0, Policy("y", beat_most_common_class=False))

    assert wide.accuracy == pytest.approx(0.9) and wide.allowed_drop == pytest.approx(0.1)
    assert off.accuracy == 0.3


def accuracy_config(lower: float, drop: float) -> str:
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": lower}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -drop}
        ),
    )
    metric = tfma.MetricConfig(
        class_name="SparseCategoricalAccuracy",
        config='{"name": "accuracy"}',
        per_slice_thresholds=[tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)],
    )
    other = tfma.MetricConfig(class_name="ExampleCount")
    return proto_utils.proto_to_json(tfma.EvalConfig(metrics_specs=[tfma.MetricsSpec(metrics=[other, metric])]))


def test_apply_reads_the_configured_bars_from_the_config_and_writes_the_ones_in_force():
    counts = Counter({"a": 90, "b": 10})
    text, found = eval_policy.apply(accuracy_config(0.5, 0.01), POLICY, counts, counts)

    config = json_format.Parse(text, tfma.EvalConfig())
    threshold = config.metrics_specs[0].metrics[1].per_slice_thresholds[0].threshold
    assert found.accuracy == pytest.approx(0.95) and found.allowed_drop == pytest.approx(0.05)
    assert threshold.value_threshold.lower_bound.value == pytest.approx(0.95)
    assert threshold.change_threshold.absolute.value == pytest.approx(-0.05)
    assert config.metrics_specs[0].metrics[0] == tfma.MetricConfig(class_name="ExampleCount")


def write_split(folder, labels, feature="species", kind="bytes"):
    folder.mkdir(parents=True)
    with tf.io.TFRecordWriter(str(folder / "data_tfrecord-00000-of-00001.gz"), options="GZIP") as writer:
        for label in labels:
            example = tf.train.Example()
            if label is not None:
                values = getattr(example.features.feature[feature], f"{kind}_list").value
                values.append(label.encode() if kind == "bytes" else label)
            writer.write(example.SerializeToString())


def write_schema(path, feature, kind):
    path.write_text(f'feature {{ name: "{feature}" type: {kind} }}\n')
    return str(path)


def test_label_counts_read_a_string_label_and_leave_missing_ones_out(tmp_path):
    write_split(tmp_path / "eval", ["Adelie", "Gentoo", "Adelie", None])

    counts = eval_policy.label_counts(
        str(tmp_path / "eval"), "species", write_schema(tmp_path / "s", "species", "BYTES")
    )

    assert counts == Counter({b"Adelie": 2, b"Gentoo": 1})


def test_label_counts_read_an_integer_label(tmp_path):
    write_split(tmp_path / "eval", [0, 1, 0, 0], feature="survived", kind="int64")

    counts = eval_policy.label_counts(
        str(tmp_path / "eval"), "survived", write_schema(tmp_path / "s", "survived", "INT")
    )

    assert counts == Counter({0: 3, 1: 1})


def test_the_policy_travels_as_json():
    policy = Policy("survived", 1.5, False, {"name": "titanic"})

    assert Policy.from_json(policy.to_json()) == policy
    assert json.loads(policy.to_json())["label_column"] == "survived"
    assert Policy.from_json(None) is None
