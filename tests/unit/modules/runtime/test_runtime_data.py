"""Unit tests of modules.runtime.data: transformed features shaped and batched the way the model reads them."""

from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from modules import features
from modules.runtime import data

pytestmark = pytest.mark.unit


def test_as_model_inputs_keeps_the_features_as_batch_by_one_and_drops_the_label():
    transformed = {features.transformed_name(key): tf.constant([1.0, 2.0, 3.0]) for key in features.NUMERIC_FEATURES}
    transformed.update(
        {features.transformed_name(key): tf.constant([0, 1, 2]) for key in features.CATEGORICAL_FEATURES}
    )
    transformed[data.LABEL] = tf.constant([2, 1, 0])
    transformed["extra_xf"] = tf.constant([7, 7, 7])

    inputs = data.as_model_inputs(transformed)

    assert sorted(inputs) == sorted(features.transformed_name(key) for key in features.feature_keys())
    for name, tensor in inputs.items():
        assert tensor.shape == (3, 1), name
        np.testing.assert_array_equal(tensor.numpy()[:, 0], transformed[name].numpy())


def test_the_label_is_the_transformed_species():
    assert data.LABEL == "species_xf"


class RecordingAccessor:
    """A TFX DataAccessor stand-in: records what each dataset is asked for, serves four transformed rows."""

    ROWS = 4

    def __init__(self):
        self.calls = []

    def tf_dataset_factory(self, files, options, schema):
        self.calls.append({"files": list(files), "batch_size": options.batch_size, "label_key": options.label_key,
                           "shuffle_seed": options.shuffle_seed, "schema": schema})  # fmt: skip
        xs = {features.transformed_name(key): tf.range(self.ROWS, dtype=tf.float32) + i
              for i, key in enumerate(features.feature_keys())}  # fmt: skip
        xs["extra_xf"] = tf.zeros([self.ROWS])
        label = tf.constant([[2], [0], [1], [2]], tf.int64)
        return tf.data.Dataset.from_tensor_slices((xs, label)).batch(options.batch_size)


def test_train_and_eval_read_each_split_with_its_batch_size_and_the_seed():
    accessor = RecordingAccessor()
    fn_args = FnArgs(train_files=["train-*.gz"], eval_files=["eval-*.gz"], data_accessor=accessor)
    transform_output = SimpleNamespace(transformed_metadata=SimpleNamespace(schema="the transformed schema"))

    train, evaluation = data.train_and_eval(fn_args, transform_output, batch_size=3, eval_batch_size=4, seed=11)

    common = {"label_key": "species_xf", "shuffle_seed": 11, "schema": "the transformed schema"}
    assert accessor.calls == [
        {"files": ["train-*.gz"], "batch_size": 3, **common},
        {"files": ["eval-*.gz"], "batch_size": 4, **common},
    ]
    inputs, labels = next(iter(train))
    assert sorted(inputs) == sorted(features.transformed_name(key) for key in features.feature_keys())
    np.testing.assert_array_equal(inputs["bill_depth_mm_xf"].numpy(), [[1.0], [2.0], [3.0]])
    np.testing.assert_array_equal(labels.numpy(), [2, 0, 1])
    _, eval_labels = next(iter(evaluation))
    np.testing.assert_array_equal(eval_labels.numpy(), [2, 0, 1, 2])


def test_input_files_are_the_training_then_the_evaluation_files():
    fn_args = FnArgs(train_files=("t1", "t2"), eval_files=["e1"])
    assert data.input_files(fn_args) == ["t1", "t2", "e1"]


def test_the_batches_are_split_without_autograph(monkeypatch):
    from tensorflow.python.autograph.impl import api

    converted, original = [], api.converted_call

    def spy(f, args, kwargs, caller_fn_scope=None, options=None):
        converted.append(getattr(f, "__name__", repr(f)))
        return original(f, args, kwargs, caller_fn_scope, options)

    monkeypatch.setattr(api, "converted_call", spy)
    fn_args = FnArgs(train_files=["train-*.gz"], eval_files=["eval-*.gz"], data_accessor=RecordingAccessor())
    transform_output = SimpleNamespace(transformed_metadata=SimpleNamespace(schema="the transformed schema"))

    data.train_and_eval(fn_args, transform_output, batch_size=3, eval_batch_size=4, seed=11)

    assert "_split" not in converted
