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
