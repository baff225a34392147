"""Unit tests of modules.preprocessing's label ids and date parts, through TFT's real Beam analyze-and-transform."""

import math
from pathlib import Path
from typing import Any, Dict, List

import pytest
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

from modules import features, preprocessing

pytestmark = pytest.mark.unit


def _analyze(tmp_path: Path, fn, spec: Dict[str, Any], rows: List[Dict[str, Any]]):
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(spec))
    with tft_beam.Context(temp_dir=str(tmp_path / "tmp")):
        (out, _), transform_fn = (rows, metadata) | tft_beam.AnalyzeAndTransformDataset(fn)
        _ = transform_fn | tft_beam.WriteTransformFn(str(tmp_path / "transform_fn"))
    return out, tft.TFTransformOutput(str(tmp_path / "transform_fn"))


def _labels(tmp_path: Path, values: List[Any], dtype: tf.DType):
    def fn(inputs):
        return {"y": preprocessing.label_ids(inputs["y"])}

    rows = [{"y": [value]} for value in values]
    out, output = _analyze(tmp_path, fn, {"y": tf.io.VarLenFeature(dtype)}, rows)
    return [int(row["y"]) for row in out], output.vocabulary_by_name(features.label_vocabulary_name())


def test_an_integer_label_takes_the_order_of_the_declared_classes(tmp_path, monkeypatch):
    monkeypatch.setattr(preprocessing.features, "LABEL_CLASSES", ["3", "4", "5", "6", "8", "10"])
    ids, vocabulary = _labels(tmp_path, [4, 8, 4, 3, 10, 4, 6], tf.int64)
    assert [name.decode() for name in vocabulary] == ["3", "4", "5", "6", "8", "10"]
    assert ids == [1, 4, 1, 0, 5, 1, 3]


def test_a_class_the_definition_does_not_name_comes_after_the_named_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(preprocessing.features, "LABEL_CLASSES", ["False", "True"])
    ids, vocabulary = _labels(tmp_path, [b"True", b"True", b"Maybe", b"False"], tf.string)
    assert [name.decode() for name in vocabulary] == ["False", "True", "Maybe"]
    assert ids == [1, 1, 2, 0]


def test_without_declared_classes_the_most_frequent_comes_first(tmp_path, monkeypatch):
    monkeypatch.setattr(preprocessing.features, "LABEL_CLASSES", [])
    ids, vocabulary = _labels(tmp_path, [2.0, 1.0, 1.0], tf.float32)
    assert [name.decode() for name in vocabulary] == ["1", "2"]
    assert ids == [1, 0, 0]


def test_date_parts_are_z_scored_with_missing_ones_at_the_mean(tmp_path, monkeypatch):
    monkeypatch.setattr(preprocessing.features, "NUMERIC_FEATURES", [])
    monkeypatch.setattr(preprocessing.features, "CATEGORICAL_FEATURES", [])
    monkeypatch.setattr(preprocessing.features, "DATE_FEATURES", ["when"])
    monkeypatch.setattr(preprocessing.features, "CHOSEN_DATE_PARTS", ["month", "hour"])
    monkeypatch.setattr(preprocessing.features, "LABEL_CLASSES", [])
    label = preprocessing.features.LABEL_KEY
    rows = [
        {"when": [b"2013-01-01 00:00"], label: [b"a"]},
        {"when": [b"2013-03-01 12:00"], label: [b"b"]},
        {"when": [], label: [b"a"]},
    ]
    spec = {"when": tf.io.VarLenFeature(tf.string), label: tf.io.VarLenFeature(tf.string)}

    def fn(inputs):
        # A closure, pickled by value: TFT pickles a module's function by name, and a worker resolving that name
        # would find the copy of modules/ in sys.modules, which another test may have replaced, unpatched.
        return preprocessing.preprocessing_fn(inputs)

    out, _ = _analyze(tmp_path, fn, spec, rows)
    # preprocessing's own features module: another test may have loaded a fresh copy of modules/.
    features = preprocessing.features
    month, hour = features.transformed_name("when_month"), features.transformed_name("when_hour")
    assert [float(row[month]) for row in out] == pytest.approx([-1.0, 1.0, 0.0])
    assert [float(row[hour]) for row in out] == pytest.approx([-1.0, 1.0, 0.0])
    assert not any(math.isnan(float(row[month])) for row in out)
    assert features.model_inputs() == ["when_month", "when_hour"]
