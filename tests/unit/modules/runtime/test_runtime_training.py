"""Unit tests of modules.runtime.training: the AutoGraph-free Model, hyperparameters, fit arguments, a tracked fit."""

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.autograph.impl.api import is_autograph_artifact
from tfx.components.trainer.fn_args_utils import FnArgs

from modules import features, hparams
from modules.model import build_model
from modules.runtime import tracking, training

pytestmark = pytest.mark.unit

SEED = 7

VOCAB_SIZES = {"island": 4, "sex": 4}


def test_the_model_steps_skip_autograph_and_build_model_uses_it():
    assert is_autograph_artifact(training.Model.train_step) and is_autograph_artifact(training.Model.test_step)
    assert not is_autograph_artifact(tf.keras.Model.train_step)
    assert isinstance(build_model(hparams.defaults(), VOCAB_SIZES, 3), training.Model)


def _autograph_converted(model: tf.keras.Model, monkeypatch) -> list:
    """Names of the functions AutoGraph converted while `model` fit one epoch and evaluated."""
    from tensorflow.python.autograph.impl import api

    converted, original = [], api.converted_call

    def spy(f, args, kwargs, caller_fn_scope=None, options=None):
        converted.append(getattr(f, "__name__", repr(f)))
        return original(f, args, kwargs, caller_fn_scope, options)

    monkeypatch.setattr(api, "converted_call", spy)
    model.fit(
        _penguin_batches(4),
        steps_per_epoch=2,
        epochs=1,
        validation_data=_penguin_batches(4),
        validation_steps=1,
        verbose=0,
    )
    return converted


def _built(cls, steps_per_execution: int = 1) -> tf.keras.Model:
    model = build_model(hparams.defaults(), VOCAB_SIZES, 3)
    plain = cls(inputs=model.inputs, outputs=model.outputs)
    plain.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=steps_per_execution)
    return plain


def test_the_models_one_step_train_and_test_functions_are_traced_without_autograph(monkeypatch):
    converted = _autograph_converted(_built(training.Model), monkeypatch)
    assert not {"train_function", "test_function", "step_function", "run_step"} & set(converted)
    model = _built(training.Model)
    model.make_train_function()
    assert model.train_tf_function is model.train_function
    # The same fit of a plain Keras model converts Keras's train and test functions: the spy sees them.
    converted = _autograph_converted(_built(tf.keras.Model), monkeypatch)
    assert {"train_function", "test_function"} <= set(converted)


def test_several_steps_per_call_keep_kerass_autograph_loop(monkeypatch):
    model = _built(training.Model, steps_per_execution=2)
    assert "train_function" in _autograph_converted(model, monkeypatch)


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


def test_fit_logs_each_epoch_at_its_step_and_the_final_validation_metrics(tmp_path, monkeypatch):
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    custom = {tracking.SETTINGS_KEY: {"backend": "mlflow", "uri": uri, "experiment": "e", "timeout_seconds": 60}}
    fn_args = FnArgs(
        train_steps=6,
        eval_steps=2,
        custom_config=custom,
        model_run_dir=str(tmp_path / "model_run"),
        train_files=[],
        eval_files=[],
    )
    monkeypatch.setenv(tracking.context.RUN_ID_ENV, "vtx-run-7")
    tf.keras.utils.set_random_seed(SEED)
    model = build_model(hparams.defaults(), VOCAB_SIZES, 3)
    kwargs = training.fit_kwargs(fn_args, _penguin_batches(6), _penguin_batches(3), 3)

    with training.tracked_run(fn_args, {"learning_rate": 0.01}) as run:
        final = training.fit(model, kwargs, run)

    expected = model.evaluate(_penguin_batches(3), steps=2, return_dict=True, verbose=0)
    assert final == pytest.approx({"final.val_loss": expected["loss"], "final.val_accuracy": expected["accuracy"]})
    client = MlflowClient(tracking_uri=uri)
    [logged] = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    assert logged.data.tags["vtx.pipeline_run_id"] == "vtx-run-7" and logged.info.status == "FINISHED"
    assert logged.data.params["learning_rate"] == "0.01" and "versions.tfx" in logged.data.params
    assert logged.data.metrics["final.val_accuracy"] == pytest.approx(final["final.val_accuracy"])
    history = client.get_metric_history(logged.info.run_id, "loss")
    assert [m.step for m in history] == [1, 2, 3] and all(np.isfinite([m.value for m in history]))
    # The last epoch's validation is the model fit() returns, so it equals the final metrics.
    val = client.get_metric_history(logged.info.run_id, "val_accuracy")
    assert val[-1].value == pytest.approx(final["final.val_accuracy"])
    recorded = (tmp_path / "model_run" / "tracking.json").read_text()
    assert logged.info.run_id in recorded and "mlflow ui --backend-store-uri" in recorded
