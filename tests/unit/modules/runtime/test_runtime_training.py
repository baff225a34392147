"""Unit tests of modules.runtime.training: the AutoGraph-free Model, hyperparameters, fit arguments, a logged fit."""

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.autograph.impl.api import is_autograph_artifact
from tfx.components.trainer.fn_args_utils import FnArgs

from modules import features, hparams
from modules.model import build_model
from modules.runtime import tracking, training
from tests.builders.neptune_offline import read_offline_runs

pytestmark = pytest.mark.unit

SEED = 7

VOCAB_SIZES = {"island": 4, "sex": 4}


def test_the_model_steps_skip_autograph_and_build_model_uses_it():
    assert is_autograph_artifact(training.Model.train_step) and is_autograph_artifact(training.Model.test_step)
    assert not is_autograph_artifact(tf.keras.Model.train_step)
    assert isinstance(build_model(hparams.defaults(), VOCAB_SIZES, 3), training.Model)


def test_hyperparameters_are_the_tuned_ones_when_the_tuner_ran():
    tuned = keras_tuner.HyperParameters()
    tuned.Fixed("hidden_units", 32)
    tuned.Fixed("num_layers", 3)
    tuned.Fixed("learning_rate", 0.03)
    defaults = hparams.defaults()

    chosen = training.hyperparameters(FnArgs(hyperparameters=tuned.get_config()), defaults)

    assert chosen.values == {"hidden_units": 32, "num_layers": 3, "learning_rate": 0.03}
    assert training.hyperparameters(FnArgs(hyperparameters=None), defaults) is defaults
    assert training.hyperparameters(FnArgs(hyperparameters={}), defaults) is defaults


@pytest.mark.parametrize(
    ("train_steps", "epochs", "steps_per_epoch", "fit_epochs"),
    [(100, 10, 10, 10), (25, 10, 2, 12), (5, 10, 1, 5), (1, 10, 1, 1), (0, 10, 1, 1)],
)
def test_fit_kwargs_spread_the_train_steps_over_the_epochs(train_steps, epochs, steps_per_epoch, fit_epochs):
    train, evaluation = tf.data.Dataset.range(3), tf.data.Dataset.range(2)

    kwargs = training.fit_kwargs(FnArgs(train_steps=train_steps, eval_steps=4), train, evaluation, epochs)

    assert kwargs == {
        "x": train,
        "validation_data": evaluation,
        "steps_per_epoch": steps_per_epoch,
        "epochs": fit_epochs,
        "validation_steps": 4,
        "verbose": 0,
    }


def _penguin_batches(rows: int) -> tf.data.Dataset:
    """Endless batches of `rows` transformed rows whose label is the island id: learnable in a few steps."""
    islands = tf.constant([[i % 3] for i in range(rows)], tf.int64)
    inputs = {features.transformed_name(key): tf.zeros([rows, 1]) for key in features.NUMERIC_FEATURES}
    inputs.update({features.transformed_name(key): islands for key in features.CATEGORICAL_FEATURES})
    return tf.data.Dataset.from_tensors((inputs, tf.reshape(islands, [-1]))).repeat()


def test_fit_logs_each_epoch_and_the_final_validation_metrics(tmp_path, monkeypatch):
    for name in (tracking.TOKEN_ENV, tracking.PROJECT_ENV, tracking.MODE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(tmp_path / ".neptune"))
    tf.keras.utils.set_random_seed(SEED)
    model = build_model(hparams.defaults(), VOCAB_SIZES, 3)
    kwargs = training.fit_kwargs(FnArgs(train_steps=6, eval_steps=2), _penguin_batches(6), _penguin_batches(3), 3)

    with tracking.tracked_run("training", []) as run:
        final = training.fit(model, kwargs, run)

    expected = model.evaluate(_penguin_batches(3), steps=2, return_dict=True, verbose=0)
    assert final == pytest.approx({"val_loss": expected["loss"], "val_accuracy": expected["accuracy"]})
    [fields] = read_offline_runs(tmp_path / ".neptune")
    assert fields["metrics/final/val_loss"] == pytest.approx(final["val_loss"])
    assert fields["metrics/final/val_accuracy"] == pytest.approx(final["val_accuracy"])
    assert fields["training/fit_params/epochs"] == 3 and fields["training/fit_params/steps"] == 2
    epoch_loss = fields["training/train/epoch/loss"]
    assert len(epoch_loss) == 3 and all(np.isfinite(epoch_loss))
    # The last epoch's validation is the model fit() returns, so it equals the final metrics.
    assert fields["training/validation/epoch/accuracy"][-1] == pytest.approx(final["val_accuracy"])
    assert fields["training/validation/epoch/loss"][-1] == pytest.approx(final["val_loss"], rel=1e-5)
