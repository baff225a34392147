"""The Keras model builder, tuner_fn (search space in hparams.py), run_fn and export."""

import os
from typing import Dict

import keras_tuner
import tensorflow as tf
import tensorflow_transform as tft

# Specific imports, not `tfx.v1`: that one also loads the Google Cloud extensions (~10 s).
from tfx.components.trainer.fn_args_utils import FnArgs
from tfx.components.tuner.component import TunerFnResult

from modules import data, features, hparams, serving, tracking, tuning


class Model(tf.keras.Model):
    """A Keras model whose train and test steps skip AutoGraph.

    Keras's steps have no tensor-dependent Python control flow, and AutoGraph's one-off
    conversion of Keras internals costs ~14 s per process here (3 s instead of 17 s for
    the first fit of a small model).
    """

    @tf.autograph.experimental.do_not_convert
    def train_step(self, data):
        return super().train_step(data)

    @tf.autograph.experimental.do_not_convert
    def test_step(self, data):
        return super().test_step(data)


def build_model(hp: keras_tuner.HyperParameters, vocab_sizes: Dict[str, int], num_classes: int) -> tf.keras.Model:
    """A small MLP over z-scored numerics and one-hot categoricals; softmax over classes."""
    inputs = {
        features.transformed_name(key): tf.keras.Input(shape=(1,), name=features.transformed_name(key))
        for key in features.feature_keys()
    }
    parts = [inputs[features.transformed_name(key)] for key in features.NUMERIC_FEATURES]
    for key in features.CATEGORICAL_FEATURES:
        encode = tf.keras.layers.CategoryEncoding(num_tokens=vocab_sizes[key], output_mode="one_hot")
        parts.append(encode(tf.cast(inputs[features.transformed_name(key)], tf.int64)))
    x = tf.keras.layers.concatenate(parts)
    for _ in range(int(hp.get("num_layers"))):
        x = tf.keras.layers.Dense(int(hp.get("hidden_units")), activation="relu")(x)
    outputs = tf.keras.layers.Dense(num_classes, activation="softmax")(x)
    model = Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(float(hp.get("learning_rate"))),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(),
        metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


def _shapes(tf_transform_output: tft.TFTransformOutput) -> Dict:
    """Vocabulary sizes (plus OOV buckets) per categorical feature, and the class count."""
    vocab_sizes = {
        key: tf_transform_output.vocabulary_size_by_name(features.vocabulary_name(key)) + features.OOV_BUCKETS
        for key in features.CATEGORICAL_FEATURES
    }
    num_classes = tf_transform_output.vocabulary_size_by_name(features.label_vocabulary_name())
    return {"vocab_sizes": vocab_sizes, "num_classes": num_classes}


def _datasets(fn_args: FnArgs, tf_transform_output: tft.TFTransformOutput):
    train = data.dataset(
        fn_args.train_files, fn_args.data_accessor, tf_transform_output, hparams.BATCH_SIZE, hparams.SEED
    )
    evaluation = data.dataset(
        fn_args.eval_files, fn_args.data_accessor, tf_transform_output, hparams.EVAL_BATCH_SIZE, hparams.SEED
    )
    return train, evaluation


def _fit_kwargs(fn_args: FnArgs, train: tf.data.Dataset, evaluation: tf.data.Dataset) -> Dict:
    steps_per_epoch = max(1, fn_args.train_steps // hparams.EPOCHS)
    return {
        "x": train,
        "validation_data": evaluation,
        "steps_per_epoch": steps_per_epoch,
        "epochs": max(1, fn_args.train_steps // steps_per_epoch),
        "validation_steps": fn_args.eval_steps,
        "verbose": 0,
    }


def tuner_fn(fn_args: FnArgs) -> TunerFnResult:
    """TFX Tuner entry point: a random search over hparams.search_space()."""
    tf.keras.utils.set_random_seed(hparams.SEED)
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
    shapes = _shapes(tf_transform_output)
    tuner = tuning.TrackedRandomSearch(
        lambda hp: build_model(hp, **shapes),
        input_files=list(fn_args.train_files) + list(fn_args.eval_files),
        max_trials=int(fn_args.custom_config.get("max_trials", 3)),
        hyperparameters=hparams.search_space(),
        objective=keras_tuner.Objective("val_accuracy", "max"),
        directory=fn_args.working_dir,
        project_name="search",
        seed=hparams.SEED,
        overwrite=True,
    )
    train, evaluation = _datasets(fn_args, tf_transform_output)
    return TunerFnResult(tuner=tuner, fit_kwargs=_fit_kwargs(fn_args, train, evaluation))


def _model_size_bytes(directory: str) -> int:
    return sum(
        tf.io.gfile.stat(os.path.join(root, name)).length
        for root, _, names in tf.io.gfile.walk(directory)
        for name in names
    )


def run_fn(fn_args: FnArgs) -> None:
    """TFX Trainer entry point: data -> model -> fit (logged to Neptune) -> export."""
    from neptune_tensorflow_keras import NeptuneCallback

    tf.keras.utils.set_random_seed(hparams.SEED)
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    hp = (
        keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
        if fn_args.hyperparameters
        else hparams.defaults()
    )
    train, evaluation = _datasets(fn_args, tf_transform_output)
    model = build_model(hp, **_shapes(tf_transform_output))

    run = tracking.start_run("training", tags=["training"])
    try:
        tracking.log_context(run, list(fn_args.train_files) + list(fn_args.eval_files))
        run["parameters"] = {**hp.values, "batch_size": hparams.BATCH_SIZE, "train_steps": fn_args.train_steps}
        kwargs = _fit_kwargs(fn_args, train, evaluation)
        model.fit(callbacks=[NeptuneCallback(run=run, base_namespace="training")], **kwargs)
        final = model.evaluate(evaluation, steps=fn_args.eval_steps, return_dict=True, verbose=0)
        run["metrics/final"] = {f"val_{name}": float(value) for name, value in final.items()}
        model.save(
            fn_args.serving_model_dir, save_format="tf", signatures=serving.make_signatures(model, tf_transform_output)
        )
        run["model/size_bytes"] = _model_size_bytes(fn_args.serving_model_dir)
        tracking.write_tracking_file(fn_args.model_run_dir, tracking.describe(run))
    finally:
        run.stop()
