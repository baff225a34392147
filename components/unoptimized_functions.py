"""TensorFlow functions instantiated without Grappler where they run a few times each: the Evaluator, short trials.

TensorFlow optimizes a function's graph with Grappler when it is first called (instantiated), which pays off over
many calls. The Evaluator calls each exported signature of the candidate and the baseline a handful of times
(the output check once, TFMA once per batch), so that optimization is a fixed cost of the step: about half of
the time its function calls take on the penguin model, 0.25 s. The setting is TensorFlow's own
(`tf.config.optimizer.set_experimental_options`), applies to functions first called in this thread while it is
on, and is put back on exit; Beam workers in other processes (multi-processing, Dataflow) keep Grappler.

The Tuner's trials are short searches: each builds a new model, whose train and test functions Grappler optimized
once per trial (0.3-0.5 s each here) for about a hundred steps. Without it a step of a small model can take a
little longer (0.1-0.8 ms on a 3x64 MLP, none measured on a 3x512 one), so trials of up to FEW_STEPS steps
run without Grappler and longer ones keep it. The Trainer, whose model is the product, always keeps it.
"""

import contextlib
from typing import Any, ContextManager, Dict, Iterator

OPTION = "disable_meta_optimizer"
# Up to this many training steps per trial, Grappler's one-off optimization costs more than it saves.
FEW_STEPS = 500


@contextlib.contextmanager
def without_grappler() -> Iterator[None]:
    """While open, TensorFlow functions first called in this thread are not optimized; restored on exit."""
    import tensorflow as tf

    before = bool(tf.config.optimizer.get_experimental_options().get(OPTION, False))
    tf.config.optimizer.set_experimental_options({OPTION: True})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({OPTION: before})


def for_trials(exec_properties: Dict[str, Any]) -> ContextManager[None]:
    """without_grappler() for a Tuner whose trials train FEW_STEPS steps or fewer (its train_args); else nothing."""
    from tfx.proto import trainer_pb2
    from tfx.types import standard_component_specs
    from tfx.utils import proto_utils

    train_args, given = trainer_pb2.TrainArgs(), exec_properties.get(standard_component_specs.TRAIN_ARGS_KEY)
    if given:
        proto_utils.json_to_proto(given, train_args)  # as TFX's Tuner parses it
    return without_grappler() if 0 < train_args.num_steps <= FEW_STEPS else contextlib.nullcontext()
