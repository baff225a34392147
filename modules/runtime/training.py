"""The Keras Model class build_model uses, the fit arguments the Tuner and Trainer share, and a tracked fit."""

import contextlib
from typing import Any, Dict, Iterator

import keras_tuner
import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from modules.runtime import data, tracking
from modules.runtime.tracking.keras import epoch_callback


class Model(tf.keras.Model):
    """A Keras model whose train and test functions skip AutoGraph.

    Keras's steps have no tensor-dependent Python control flow, and AutoGraph's one-off
    conversion of Keras internals costs ~14 s per process here (3 s instead of 17 s for
    the first fit of a small model). Its one-step train and test functions (a `next` on the
    iterator and the step, no loop) are traced as written too: AutoGraph's conversion of
    them was about a tenth of the Tuner's time.
    """

    # Keras sets these in __init__ without annotations mypy can follow; annotated here only (no class attribute).
    train_function: Any
    test_function: Any

    @tf.autograph.experimental.do_not_convert
    def train_step(self, data: Any) -> Dict[str, Any]:
        return super().train_step(data)

    @tf.autograph.experimental.do_not_convert
    def test_step(self, data: Any) -> Dict[str, Any]:
        return super().test_step(data)

    def make_train_function(self, force: bool = False) -> Any:
        if self.train_function is None or force:
            self.train_function = _traced_as_written(self, super().make_train_function(force))
            if isinstance(self.train_function, tf.types.experimental.GenericFunction):
                self.train_tf_function = self.train_function  # what TensorBoard draws
        return self.train_function

    def make_test_function(self, force: bool = False) -> Any:
        if self.test_function is None or force:
            self.test_function = _traced_as_written(self, super().make_test_function(force))
        return self.test_function


def _traced_as_written(model: tf.keras.Model, function: Any) -> Any:
    """Keras's one-step tf.function again with autograph=False; any other form of it (several steps per call, which
    loops over a tensor, eager, or scheduled by a cluster coordinator) as Keras made it."""
    one_step = (
        model._steps_per_execution is None  # Keras's own test for its one-step form
        or model._steps_per_execution.numpy().item() == 1
        and not model.autotune_steps_per_execution
    )
    if not one_step or model._cluster_coordinator or not isinstance(function, tf.types.experimental.GenericFunction):
        return function
    return tf.function(function.python_function, reduce_retracing=True, autograph=False)


def hyperparameters(fn_args: FnArgs, defaults: keras_tuner.HyperParameters) -> keras_tuner.HyperParameters:
    """The Tuner's best hyperparameters when the pipeline tuned, else `defaults`."""
    if fn_args.hyperparameters:
        return keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
    return defaults


def fit_kwargs(fn_args: FnArgs, train: tf.data.Dataset, evaluation: tf.data.Dataset, epochs: int) -> Dict[str, Any]:
    """model.fit's arguments: the run's train_steps spread over about `epochs` epochs, eval_steps after each."""
    steps_per_epoch = max(1, fn_args.train_steps // epochs)
    return {
        "x": train,
        "validation_data": evaluation,
        "steps_per_epoch": steps_per_epoch,
        "epochs": max(1, fn_args.train_steps // steps_per_epoch),
        "validation_steps": fn_args.eval_steps,
        "verbose": 0,
    }


def tracking_settings(fn_args: FnArgs) -> tracking.Settings:
    """Where this run is tracked, as the pipeline settings put it in custom_config."""
    return tracking.Settings.from_mapping((fn_args.custom_config or {}).get(tracking.SETTINGS_KEY))


@contextlib.contextmanager
def tracked_run(fn_args: FnArgs, params: Dict[str, Any]) -> Iterator[tracking.Run]:
    """The pipeline run's tracked run with the run context and `params` logged; its whereabouts next to the model."""
    settings = tracking_settings(fn_args)
    run = tracking.pipeline_run(settings)
    run.set_tags(tracking.context.tags(data.input_files(fn_args)))
    run.log_params({**params, **settings.params, **tracking.context.versions()})
    try:
        yield run
    finally:
        run.end()
        tracking.context.write_tracking_file(fn_args.model_run_dir, dict(run.where()))


def fit(model: tf.keras.Model, kwargs: Dict[str, Any], run: tracking.Run) -> Dict[str, float]:
    """Fits the model, logging each epoch's metrics at its step, then evaluates it; returns and logs final.*"""
    model.fit(callbacks=[epoch_callback(run)], **kwargs)
    metrics = model.evaluate(kwargs["validation_data"], steps=kwargs["validation_steps"], return_dict=True, verbose=0)
    final = {f"final.val_{name}": float(value) for name, value in metrics.items()}
    run.log_metrics(final)
    return final
