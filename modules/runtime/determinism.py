"""Seeds every source of randomness of a Tuner or Trainer run, and makes TensorFlow's kernels deterministic."""

import os

import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

# custom_config key of the pipeline's training.seed. modules/ cannot import pipeline/, so this is a copy of
# pipeline/dag/targets.py: SEED_KEY, and tests/unit/modules/runtime/test_runtime_determinism.py holds them equal.
SEED_KEY = "seed"
# The seed of a run the pipeline did not start (a notebook, a unit test); the pipeline always passes its own.
UNSET_SEED = 0


def seed_of(fn_args: FnArgs) -> int:
    """The pipeline's training.seed, as the Tuner and Trainer receive it in custom_config."""
    return int((fn_args.custom_config or {}).get(SEED_KEY, UNSET_SEED))


def make_deterministic(seed: int) -> None:
    """Python, NumPy, TensorFlow and Keras draw from `seed`; ops with a parallel reduction run in a fixed order.

    With the examples in a fixed order too (components/example_split.py), the same data, code and seed give the
    same weights, so the same metrics and the same verdict.
    """
    os.environ["TF_DETERMINISTIC_OPS"] = "1"
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
