"""The Keras model builder, and the Tuner's and Trainer's entry points (tuner_fn, run_fn) that use it."""

from typing import Dict

import keras_tuner
import tensorflow as tf
import tensorflow_transform as tft

# Specific imports, not `tfx.v1`: that one also loads the Google Cloud extensions (~10 s).
from tfx.components.trainer.fn_args_utils import FnArgs
from tfx.components.tuner.component import TunerFnResult

from modules import features, hparams
from modules.runtime import data, determinism, export, training, tuning


# >>> Edit here: the network. It reads the transformed features, and its knobs come from hparams.py. <<<
def build_model(hp: keras_tuner.HyperParameters, vocab_sizes: Dict[str, int], num_classes: int) -> tf.keras.Model:
    """A small MLP over z-scored numerics (and date parts) and one-hot categoricals; softmax over classes."""
    inputs = {
        features.transformed_name(key): tf.keras.Input(shape=(1,), name=features.transformed_name(key))
        for key in features.model_inputs()
    }
    parts = [inputs[features.transformed_name(key)] for key in features.numeric_inputs()]
    for key in features.CATEGORICAL_FEATURES:
        encode = tf.keras.layers.CategoryEncoding(num_tokens=vocab_sizes[key], output_mode="one_hot")
        parts.append(encode(tf.cast(inputs[features.transformed_name(key)], tf.int64)))
    x = tf.keras.layers.concatenate(parts)
    for _ in range(int(hp.get("num_layers"))):
        x = tf.keras.layers.Dense(int(hp.get("hidden_units")), activation="relu")(x)
    outputs = tf.keras.layers.Dense(num_classes, activation="softmax")(x)
    model = training.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(float(hp.get("learning_rate"))),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(),
        metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


# The Tuner's objective: build_model's "accuracy" metric on the evaluation split.
OBJECTIVE = keras_tuner.Objective("val_accuracy", "max")
# >>> Stop editing here: below are TFX's entry points, each a list of steps in modules/runtime/. <<<


def tuner_fn(fn_args: FnArgs) -> TunerFnResult:
    """TFX Tuner entry point: data -> a random search of build_model over hparams.search_space()."""
    seed = determinism.seed_of(fn_args)
    determinism.make_deterministic(seed)
    transform = tft.TFTransformOutput(fn_args.transform_graph_path)
    train, evaluation = data.train_and_eval(
        fn_args, transform, batch_size=hparams.BATCH_SIZE, eval_batch_size=hparams.EVAL_BATCH_SIZE, seed=seed
    )
    shapes = data.shapes(transform)
    tuner = tuning.random_search(
        lambda hp: build_model(hp, **shapes), hparams.search_space(), OBJECTIVE, fn_args, seed=seed
    )
    return TunerFnResult(tuner=tuner, fit_kwargs=training.fit_kwargs(fn_args, train, evaluation, hparams.EPOCHS))


def run_fn(fn_args: FnArgs) -> None:
    """TFX Trainer entry point: data -> model -> fit (tracked as the pipeline run) -> export."""
    seed = determinism.seed_of(fn_args)
    determinism.make_deterministic(seed)
    transform = tft.TFTransformOutput(fn_args.transform_output)
    train, evaluation = data.train_and_eval(
        fn_args, transform, batch_size=hparams.BATCH_SIZE, eval_batch_size=hparams.EVAL_BATCH_SIZE, seed=seed
    )
    hp = training.hyperparameters(fn_args, hparams.defaults())
    model = build_model(hp, **data.shapes(transform))
    params = {**hp.values, "batch_size": hparams.BATCH_SIZE, "train_steps": fn_args.train_steps, "seed": seed}
    with training.tracked_run(fn_args, params) as run:
        training.fit(model, training.fit_kwargs(fn_args, train, evaluation, hparams.EPOCHS), run)
        size = export.save(model, transform, fn_args.serving_model_dir, fn_args.custom_config)
        run.log_metrics({"model.size_bytes": size})
