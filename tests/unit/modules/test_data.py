"""Unit tests of modules.data.as_model_inputs: transformed features shaped the way the model reads them."""

import numpy as np
import pytest
import tensorflow as tf

from modules import data, features

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
