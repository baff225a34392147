"""Reading the Evaluator's output without TFMA: TFRecord framing with checksums, and the overall slice."""

from pathlib import Path

import pytest

from components import evaluation

pytestmark = pytest.mark.unit


def metrics_for_slice(slice_column=None, **values):
    proto = evaluation.metrics_module()
    per_slice = proto.MetricsForSlice()
    if slice_column:
        per_slice.slice_key.single_slice_keys.add(column=slice_column, bytes_value=b"Biscoe")
    for name, value in values.items():
        item = per_slice.metric_keys_and_values.add()
        item.key.name = name.removeprefix("baseline_")
        if name.startswith("baseline_"):
            item.key.model_name = "baseline"
        item.value.double_value.value = value
    return per_slice.SerializeToString()


@pytest.fixture
def evaluation_dir(tmp_path: Path) -> Path:
    """What TFMA writes, framed by TensorFlow's own TFRecord writer."""
    import tensorflow as tf

    with tf.io.TFRecordWriter(str(tmp_path / "metrics-00000-of-00001.tfrecord")) as writer:
        writer.write(metrics_for_slice("island", accuracy=0.5))
        writer.write(metrics_for_slice(accuracy=0.975, example_count=80.0, baseline_accuracy=0.9))
    return tmp_path


def test_the_overall_metrics_of_the_candidate_are_read(evaluation_dir):
    assert evaluation.overall_metrics(str(evaluation_dir)) == {"accuracy": 0.975, "example_count": 80.0}


def test_a_corrupted_record_is_detected(evaluation_dir):
    path = evaluation_dir / "metrics-00000-of-00001.tfrecord"
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(evaluation.CorruptRecordError, match="corrupted record"):
        evaluation.overall_metrics(str(evaluation_dir))
    path.write_bytes(bytes(data[:30]))
    with pytest.raises(evaluation.CorruptRecordError):
        evaluation.overall_metrics(str(evaluation_dir))


def test_no_metrics_file_is_no_metrics(tmp_path):
    assert evaluation.overall_metrics(str(tmp_path)) == {}


def _validation_result():
    from tensorflow_model_analysis.proto import validation_result_pb2

    result = validation_result_pb2.ValidationResult(validation_ok=False)
    failed = result.metric_validations_per_slice.add()
    failure = failed.failures.add()
    failure.metric_key.name = "accuracy"
    failure.metric_value.double_value.value = 0.5
    failure.metric_threshold.value_threshold.lower_bound.value = 0.9
    result.missing_slices.add().feature_keys.append("island")
    return result


def test_the_validation_result_reads_as_tfmas_own_reader_reads_it(tmp_path):
    import tensorflow as tf
    import tensorflow_model_analysis as tfma

    with tf.io.TFRecordWriter(str(tmp_path / "validations.tfrecord")) as writer:
        writer.write(_validation_result().SerializeToString())

    ours = evaluation.validation_result(str(tmp_path))
    assert ours == tfma.load_validation_result(str(tmp_path)) == _validation_result()
    failures, missing = evaluation.validation_failures(str(tmp_path))
    assert [(where, failure.metric_key.name) for where, failure in failures] == [("overall", "accuracy")]
    assert missing == 1


def test_no_validation_result_or_two_of_them_is_refused(tmp_path):
    import tensorflow as tf

    with pytest.raises(evaluation.CorruptRecordError, match="0 validation results"):
        evaluation.validation_result(str(tmp_path))
    with tf.io.TFRecordWriter(str(tmp_path / "validations.tfrecord")) as writer:
        writer.write(_validation_result().SerializeToString())
        writer.write(_validation_result().SerializeToString())
    with pytest.raises(evaluation.CorruptRecordError, match="2 validation results, where TFMA writes one"):
        evaluation.validation_result(str(tmp_path))


def test_the_eval_run_reads_as_tfmas_own_reader_reads_it(tmp_path):
    from tensorflow_model_analysis.writers import eval_config_writer

    from pipeline.config.loader import load_config
    from pipeline.dag.eval_config import eval_config

    config = eval_config(load_config(overrides=["evaluation.max_accuracy_drop=0.02"], environ={}))
    locations = {"candidate": "/models/new", "baseline": "/models/old"}
    text = eval_config_writer._serialize_eval_run(config, "/data", "tfrecords", locations)  # noqa: SLF001 - TFMA's writer
    (tmp_path / evaluation.EVAL_CONFIG_FILE).write_text(text)

    run = evaluation.eval_run(str(tmp_path))
    theirs, _, _, their_locations = eval_config_writer.load_eval_run(str(tmp_path))
    assert run is not None and run.eval_config == theirs == config
    assert dict(run.model_locations) == dict(their_locations) == locations
    assert evaluation.eval_run(str(tmp_path / "elsewhere")) is None
