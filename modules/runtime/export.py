"""Exports the SavedModel with its signatures: tf.Example in, one input per raw feature, transform_features."""

import os
from typing import Any, Dict, Optional

import tensorflow as tf
import tensorflow_transform as tft

from modules import features
from modules.runtime import data

SERVING_DEFAULT = "serving_default"
SERVING_RAW = "serving_raw"
SERVING_EXAMPLES = "serving_examples"
TRANSFORM_FEATURES = "transform_features"
# The Trainer's custom_config says what serving_default takes: serialized tf.Example (the default, which TFX's
# Evaluator calls), or raw features, for a prebuilt TF Serving container, which cannot call serving_raw by name.
DEFAULT_INPUTS_KEY = "serving_default_inputs"
TAKES_EXAMPLES = "examples"
TAKES_RAW = "raw"

_DTYPES = {"float": tf.float32, "string": tf.string}


def _raw_feature_spec(tf_transform_output: tft.TFTransformOutput, with_label: bool) -> Dict[str, Any]:
    spec = tf_transform_output.raw_feature_spec()
    keep = set(features.feature_keys()) | ({features.LABEL_KEY} if with_label else set())
    return {key: value for key, value in spec.items() if key in keep}


def _is_missing(value: tf.Tensor) -> tf.Tensor:
    if value.dtype == tf.string:
        return tf.equal(value, "")
    return tf.math.is_nan(value)


def _cast(value: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    """Casts a client's value to the feature's dtype, rounding (not truncating) to integers.

    A category written as a number in the CSV (a class 1, 2, 3) is still sent as a string: its digits.
    """
    if value.dtype == tf.string and dtype != tf.string:
        value = tf.strings.to_number(value, out_type=tf.float64)
    if dtype.is_integer and value.dtype.is_floating:
        value = tf.round(value)
    return tf.cast(value, dtype)


def _as_parsed(value: tf.Tensor, spec: Any) -> tf.Tensor:
    """Shapes a [batch] client input like tf.io.parse_example would for this spec."""
    present = tf.logical_not(_is_missing(value))
    if isinstance(spec, tf.io.VarLenFeature):
        rows = tf.where(present)[:, 0]
        indices = tf.stack([rows, tf.zeros_like(rows)], axis=1)
        batch = tf.shape(value, out_type=tf.int64)[0]
        values = _cast(tf.boolean_mask(value, present), spec.dtype)
        return tf.SparseTensor(indices, values, tf.stack([batch, 1]))
    return tf.reshape(_cast(value, spec.dtype), [-1] + list(spec.shape))


# The signatures have no tensor-dependent Python control flow; skipping AutoGraph's
# conversion of Keras internals saves ~6 s per export.
def make_signatures(
    model: tf.keras.Model, tf_transform_output: tft.TFTransformOutput, default_inputs: str = TAKES_EXAMPLES
) -> Dict[str, Any]:
    """Builds the signatures; the model must outlive them (it tracks the TFT layer)."""
    model.tft_layer = tf_transform_output.transform_features_layer()
    class_names = tf.constant(tf_transform_output.vocabulary_by_name(features.label_vocabulary_name()))
    serving_spec = _raw_feature_spec(tf_transform_output, with_label=False)
    eval_spec = _raw_feature_spec(tf_transform_output, with_label=True)

    def predict(raw: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
        probabilities = model(data.as_model_inputs(model.tft_layer(raw)))
        batch = tf.shape(probabilities)[0]
        return {
            "classes": tf.gather(class_names, tf.argmax(probabilities, axis=1)),
            "probabilities": probabilities,
            "class_names": tf.tile(tf.expand_dims(class_names, 0), [batch, 1]),
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")], autograph=False)
    def serve_examples(serialized: tf.Tensor) -> Dict[str, tf.Tensor]:
        return predict(tf.io.parse_example(serialized, serving_spec))

    raw_inputs = [tf.TensorSpec([None], _DTYPES[dtype], name=key) for key, dtype in features.raw_dtypes().items()]

    @tf.function(input_signature=raw_inputs, autograph=False)
    def serve_raw(*values: tf.Tensor) -> Dict[str, tf.Tensor]:
        keys = list(features.raw_dtypes())
        return predict({key: _as_parsed(value, serving_spec[key]) for key, value in zip(keys, values, strict=True)})

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")], autograph=False)
    def transform_features(serialized: tf.Tensor) -> Dict[str, tf.Tensor]:
        return model.tft_layer(tf.io.parse_example(serialized, eval_spec))

    raw, examples = serve_raw.get_concrete_function(), serve_examples.get_concrete_function()
    signatures = {SERVING_RAW: raw, TRANSFORM_FEATURES: transform_features.get_concrete_function()}
    if default_inputs == TAKES_RAW:
        # The Evaluator then finds the examples signature by this name.
        signatures.update({SERVING_DEFAULT: raw, SERVING_EXAMPLES: examples})
    else:
        signatures[SERVING_DEFAULT] = examples
    return signatures


def default_inputs(custom_config: Optional[Dict[str, Any]]) -> str:
    """What serving_default takes, from the Trainer's custom_config; a value it does not know is refused."""
    value = (custom_config or {}).get(DEFAULT_INPUTS_KEY, TAKES_EXAMPLES)
    if value not in (TAKES_EXAMPLES, TAKES_RAW):
        raise ValueError(f"custom_config {DEFAULT_INPUTS_KEY} must be {TAKES_EXAMPLES} or {TAKES_RAW}, not {value!r}")
    return value


def save(
    model: tf.keras.Model,
    tf_transform_output: tft.TFTransformOutput,
    directory: str,
    custom_config: Optional[Dict[str, Any]] = None,
) -> int:
    """Saves the model with its signatures as a SavedModel in `directory`; returns its size in bytes."""
    signatures = make_signatures(model, tf_transform_output, default_inputs(custom_config))
    # save_traces=False: the signatures above are the SavedModel's interface (serving, batch prediction and the
    # Evaluator call them by name), so Keras need not trace every layer's call and a default signature too,
    # with AutoGraph converting its internals: that was four fifths of the export's time.
    model.save(directory, save_format="tf", signatures=signatures, save_traces=False)
    return sum(
        tf.io.gfile.stat(os.path.join(root, name)).length
        for root, _, names in tf.io.gfile.walk(directory)
        for name in names
    )
