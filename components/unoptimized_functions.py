"""TensorFlow functions instantiated without Grappler while the Evaluator runs: its graphs run a few times each.

TensorFlow optimizes a function's graph with Grappler when it is first called (instantiated), which pays off over
many calls. The Evaluator calls each exported signature of the candidate and the baseline a handful of times
(the output check once, TFMA once per batch), so that optimization is a fixed cost of the step: about a third
of TF's time in it on the penguin model, 0.15-0.3 s. The setting is TensorFlow's own
(`tf.config.optimizer.set_experimental_options`), applies to functions first called in this thread while it is
on, and is put back on exit; Beam workers in other processes (multi-processing, Dataflow) keep Grappler.
"""

import contextlib
from typing import Iterator

OPTION = "disable_meta_optimizer"


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
