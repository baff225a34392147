"""Reads transformed examples into batched tf.data datasets for Keras, and the sizes the transform learned."""

from typing import Any, Dict, List, Tuple

import tensorflow as tf
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import FnArgs
from tfx_bsl.public import tfxio

from modules import features

LABEL = features.transformed_name(features.LABEL_KEY)


def as_model_inputs(transformed: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    """Selects the model's transformed features and shapes each as [batch, 1]."""
    return {
        features.transformed_name(key): tf.reshape(transformed[features.transformed_name(key)], [-1, 1])
        for key in features.model_inputs()
    }


def dataset(
    file_pattern: List[str],
    data_accessor: Any,
    tf_transform_output: tft.TFTransformOutput,
    batch_size: int,
    seed: int,
    shuffle: bool = True,
) -> tf.data.Dataset:
    """An endlessly repeating dataset of (features, label id) batches, shuffled with `seed` unless told not to."""
    ds = data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL, shuffle=shuffle, shuffle_seed=seed),
        tf_transform_output.transformed_metadata.schema,
    )

    # No control flow to convert: AutoGraph would only parse and rewrite this function's source, once a process.
    @tf.autograph.experimental.do_not_convert
    def _split(xs: Dict[str, tf.Tensor], y: tf.Tensor) -> Tuple[Dict[str, tf.Tensor], tf.Tensor]:
        return as_model_inputs(xs), tf.reshape(y, [-1])

    return ds.map(_split)


def train_and_eval(
    fn_args: FnArgs, tf_transform_output: tft.TFTransformOutput, batch_size: int, eval_batch_size: int, seed: int
) -> Tuple[tf.data.Dataset, tf.data.Dataset]:
    """The training and evaluation datasets of a Tuner or Trainer run.

    Keras starts a new pass over the evaluation data for every validation, and a shuffle reshuffles each
    new pass with a seed TensorFlow does not fix across processes; unshuffled, every validation reads the
    same batches, so tuner scores (and the trial the Tuner picks) repeat exactly.
    """
    train = dataset(fn_args.train_files, fn_args.data_accessor, tf_transform_output, batch_size, seed)
    evaluation = dataset(
        fn_args.eval_files, fn_args.data_accessor, tf_transform_output, eval_batch_size, seed, shuffle=False
    )
    return train, evaluation


def input_files(fn_args: FnArgs) -> List[str]:
    """The training then evaluation files a run reads, for the data fingerprint it logs."""
    return list(fn_args.train_files) + list(fn_args.eval_files)


def shapes(tf_transform_output: tft.TFTransformOutput) -> Dict[str, Any]:
    """build_model's sizes: vocabulary size (plus OOV buckets) per categorical feature, and the class count."""
    vocab_sizes = {
        key: tf_transform_output.vocabulary_size_by_name(features.vocabulary_name(key)) + features.OOV_BUCKETS
        for key in features.CATEGORICAL_FEATURES
    }
    num_classes = tf_transform_output.vocabulary_size_by_name(features.label_vocabulary_name())
    return {"vocab_sizes": vocab_sizes, "num_classes": num_classes}
