"""Reads transformed examples into batched tf.data datasets for Keras."""

from typing import Dict, List, Tuple

import tensorflow as tf
import tensorflow_transform as tft
from tfx_bsl.public import tfxio

from modules import features

LABEL = features.transformed_name(features.LABEL_KEY)


def as_model_inputs(transformed: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    """Selects the model's transformed features and shapes each as [batch, 1]."""
    return {
        features.transformed_name(key): tf.reshape(transformed[features.transformed_name(key)], [-1, 1])
        for key in features.feature_keys()
    }


def dataset(
    file_pattern: List[str],
    data_accessor,
    tf_transform_output: tft.TFTransformOutput,
    batch_size: int,
    seed: int,
) -> tf.data.Dataset:
    """An endlessly repeating, shuffled dataset of (features, label id) batches."""
    ds = data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL, shuffle_seed=seed),
        tf_transform_output.transformed_metadata.schema,
    )

    def _split(xs: Dict[str, tf.Tensor], y: tf.Tensor) -> Tuple[Dict[str, tf.Tensor], tf.Tensor]:
        return as_model_inputs(xs), tf.reshape(y, [-1])

    return ds.map(_split)
