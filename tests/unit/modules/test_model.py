"""Unit tests of modules.model.build_model and modules.hparams: the network the hyperparameters describe."""

from typing import Dict, List

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from modules import features, hparams
from modules.model import build_model

pytestmark = pytest.mark.unit

SEED = 7

VOCAB_SIZES = {"island": 4, "sex": 5}


def _hp(hidden_units: int = 8, num_layers: int = 2, learning_rate: float = 0.003) -> keras_tuner.HyperParameters:
    hp = keras_tuner.HyperParameters()
    hp.Fixed("hidden_units", hidden_units)
    hp.Fixed("num_layers", num_layers)
    hp.Fixed("learning_rate", learning_rate)
    return hp


def _batch() -> Dict[str, tf.Tensor]:
    """Three transformed rows as the model reads them: [3, 1] z-scores and vocabulary ids (the last one OOV)."""
    numerics = {
        features.transformed_name(key): tf.constant([[0.5 + i], [-1.2], [0.0]], tf.float32)
        for i, key in enumerate(features.NUMERIC_FEATURES)
    }
    categoricals = {
        features.transformed_name(key): tf.constant([[0], [1], [VOCAB_SIZES[key] - 1]], tf.int64)
        for key in features.CATEGORICAL_FEATURES
    }
    return {**numerics, **categoricals}


def _dense_layers(model: tf.keras.Model) -> List[tf.keras.layers.Dense]:
    return [layer for layer in model.layers if isinstance(layer, tf.keras.layers.Dense)]


@pytest.mark.parametrize("num_classes", [3, 5])
def test_outputs_are_probabilities_over_the_classes(num_classes):
    model = build_model(_hp(), VOCAB_SIZES, num_classes)
    probabilities = model(_batch()).numpy()
    assert probabilities.shape == (3, num_classes)
    assert (probabilities >= 0).all() and (probabilities <= 1).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), np.ones(3), atol=1e-6)


def test_inputs_are_the_transformed_features():
    model = build_model(_hp(), VOCAB_SIZES, 3)
    assert sorted(model.input_names) == sorted(features.transformed_name(key) for key in features.feature_keys())
    assert all(tuple(shape) == (None, 1) for shape in model.input_shape.values())


@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_dense_layers_follow_num_layers(num_layers):
    model = build_model(_hp(hidden_units=8, num_layers=num_layers), VOCAB_SIZES, 3)
    dense = _dense_layers(model)
    assert len(dense) == num_layers + 1
    assert [layer.units for layer in dense] == [8] * num_layers + [3]
    assert [layer.activation.__name__ for layer in dense] == ["relu"] * num_layers + ["softmax"]


def test_categoricals_are_one_hot_over_their_vocabulary_sizes():
    model = build_model(_hp(), VOCAB_SIZES, 3)
    encodings = [layer for layer in model.layers if isinstance(layer, tf.keras.layers.CategoryEncoding)]
    assert sorted(layer.num_tokens for layer in encodings) == sorted(VOCAB_SIZES.values())
    assert {layer.output_mode for layer in encodings} == {"one_hot"}
    # 4 z-scores and a one-hot per categorical feed the first hidden layer.
    assert _dense_layers(model)[0].kernel.shape[0] == len(features.NUMERIC_FEATURES) + sum(VOCAB_SIZES.values())


def test_different_categories_give_different_predictions():
    model = build_model(_hp(), VOCAB_SIZES, 3)
    batch = _batch()
    same_but_island = dict(batch, island_xf=tf.constant([[1], [1], [1]], tf.int64))
    assert not np.allclose(model(batch).numpy()[0], model(same_but_island).numpy()[0])


def test_compiled_with_the_learning_rate_and_integer_labels():
    tf.keras.utils.set_random_seed(SEED)
    model = build_model(_hp(learning_rate=0.003), VOCAB_SIZES, 3)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.003)
    before = [weight.numpy().copy() for weight in model.trainable_weights]
    result = model.train_on_batch(_batch(), tf.constant([0, 2, 1], tf.int64), return_dict=True)
    assert set(result) == {"loss", "accuracy"}
    assert np.isfinite(result["loss"]) and 0.0 <= result["accuracy"] <= 1.0
    assert any(not np.array_equal(b, a.numpy()) for b, a in zip(before, model.trainable_weights, strict=True))


def test_search_space_defaults_equal_the_defaults():
    assert hparams.search_space().values == hparams.DEFAULTS
    assert hparams.defaults().values == hparams.DEFAULTS


def test_the_search_space_covers_the_defaults():
    space = {hp.name: hp for hp in hparams.search_space().space}
    assert set(space) == set(hparams.DEFAULTS)
    for name, value in hparams.DEFAULTS.items():
        hp = space[name]
        if isinstance(hp, keras_tuner.engine.hyperparameters.Choice):
            assert hp.values[0] == value, name  # "the first value of each is the default"
        else:
            assert hp.min_value <= value <= hp.max_value, name


def test_build_model_reads_the_search_space_defaults():
    model = build_model(hparams.search_space(), VOCAB_SIZES, 3)
    dense = _dense_layers(model)
    assert len(dense) == hparams.DEFAULTS["num_layers"] + 1
    assert dense[0].units == hparams.DEFAULTS["hidden_units"]
    assert float(model.optimizer.learning_rate) == pytest.approx(hparams.DEFAULTS["learning_rate"])
