"""preprocessing_fn: impute missing values, z-score numerics and date parts, build vocabularies."""

from typing import Any, Dict

import tensorflow as tf
import tensorflow_transform as tft

from modules import features
from modules.runtime import dates

# >>> Edit here: how raw features become model inputs. preprocessing_fn returns each feature and the label
# under features.transformed_name(key), which build_model reads. <<<


def _dense(value: Any, default: Any) -> tf.Tensor:
    """Turns a [batch, <=1] sparse or dense feature into a [batch] dense tensor."""
    if isinstance(value, tf.sparse.SparseTensor):
        batch = tf.shape(value, out_type=tf.int64)[0]
        value = tf.sparse.to_dense(
            tf.SparseTensor(value.indices, value.values, tf.stack([batch, 1])),
            default_value=default,
        )
    return tf.reshape(value, [-1])


def _present_values(value: Any) -> tf.Tensor:
    """The values that are actually present, for analyzers that must ignore missing ones."""
    if isinstance(value, tf.sparse.SparseTensor):
        return value.values
    return tf.reshape(value, [-1])


def _as_float(value: Any) -> Any:
    if isinstance(value, tf.sparse.SparseTensor):
        return tf.SparseTensor(value.indices, tf.cast(value.values, tf.float32), value.dense_shape)
    return tf.cast(value, tf.float32)


def impute_and_scale(value: Any) -> tf.Tensor:
    """Z-scores a numeric feature with the mean and std of its present values; missing -> 0."""
    value = _as_float(value)
    present = _present_values(value)
    mean = tft.mean(present)
    std = tf.sqrt(tft.var(present))
    dense = _dense(value, float("nan"))
    imputed = tf.where(tf.math.is_nan(dense), mean, dense)
    return tf.math.divide_no_nan(imputed - mean, std)


def scale_present(dense: tf.Tensor) -> tf.Tensor:
    """Z-scores a [batch] float tensor with the mean and std of its non-NaN values; NaN -> 0 (the mean)."""
    present = tf.boolean_mask(dense, tf.logical_not(tf.math.is_nan(dense)))
    mean = tft.mean(present)
    std = tf.sqrt(tft.var(present))
    imputed = tf.where(tf.math.is_nan(dense), mean, dense)
    return tf.math.divide_no_nan(imputed - mean, std)


def _text(values: tf.Tensor) -> tf.Tensor:
    if values.dtype == tf.string:
        return values
    # Integers as their digits; decimals in their shortest form (2.5, not 2.500000).
    return tf.strings.as_string(values) if values.dtype.is_integer else tf.strings.as_string(values, shortest=True)


def as_text(value: Any) -> Any:
    """A column as strings, sparse or dense: a category or a label may be written as a number in the CSV."""
    if isinstance(value, tf.sparse.SparseTensor):
        return tf.SparseTensor(value.indices, _text(value.values), value.dense_shape)
    return _text(value)


def fill_category(value: Any) -> tf.Tensor:
    """A categorical feature as strings, with missing or empty values replaced by MISSING_CATEGORY."""
    dense = _dense(as_text(value), features.MISSING_CATEGORY)
    return tf.where(tf.equal(dense, ""), features.MISSING_CATEGORY, dense)


def preprocessing_fn(inputs: Dict[str, Any]) -> Dict[str, Any]:
    """TFT entry point: raw features in, model-ready features (and the label id) out."""
    outputs: Dict[str, Any] = {}
    for key in features.NUMERIC_FEATURES:
        outputs[features.transformed_name(key)] = impute_and_scale(inputs[key])
    for key in features.CATEGORICAL_FEATURES:
        outputs[features.transformed_name(key)] = tft.compute_and_apply_vocabulary(
            fill_category(inputs[key]),
            num_oov_buckets=features.OOV_BUCKETS,
            vocab_filename=features.vocabulary_name(key),
        )
    for key in features.DATE_FEATURES:
        parts = dates.date_parts(_dense(as_text(inputs[key]), ""), key, features.CHOSEN_DATE_PARTS)
        for part, values in parts.items():
            outputs[features.transformed_name(features.date_part_name(key, part))] = scale_present(values)
    outputs[features.transformed_name(features.LABEL_KEY)] = label_ids(inputs[features.LABEL_KEY])
    return outputs


def label_ids(label: Any) -> tf.Tensor:
    """The label's class ids: classes named in dataset.yaml first, in that order; any other by frequency.

    A label of any type (text, integers, booleans) is read as its text, so class names are strings. At
    serving time the label is absent and TFT prunes this output away.
    """
    return tft.compute_and_apply_vocabulary(
        _dense(as_text(label), ""),
        vocab_filename=features.label_vocabulary_name(),
        reserved_tokens=features.LABEL_CLASSES or None,
    )
