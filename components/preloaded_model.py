"""The candidate SavedModel loaded once per Evaluator run when TFMA runs in this process: the check and TFMA share it.

The Evaluator first checks the candidate's outputs (components/output_check.py), then TFMA loads the same
SavedModel again for its predictions: on the penguin model each load is about a third of a second of the step.
While `kept(path)` is open, `load(path)` loads the model at `path` once and hands every later caller the same
object, and `eval_shared_model` (TFX's `custom_eval_shared_model` hook) gives TFMA a loader that asks `load`.
TFMA's loader is pickled into the Beam pipeline: a worker in another process finds nothing kept and loads the
model from its path, as TFMA would have.
"""

import contextlib
import functools
import os
from typing import Any, Dict, Iterator, List, Optional

# The Evaluator's exec property for a custom EvalSharedModel function, and ours, imported by TFX from its name.
PROPERTY = "custom_eval_shared_model"
FUNCTION = f"{__name__}.eval_shared_model"
# TFX imports FUNCTION's module with importlib.reload, which runs this file again: what is kept must survive it.
_KEPT: Dict[str, Optional[Any]] = globals().get("_KEPT", {})


def _key(path: str) -> str:
    return os.path.normpath(path)


def in_process(beam_args: List[str]) -> bool:
    """Whether these Beam flags run the steps in this process (the DirectRunner, in memory or threads)."""
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

    from components.direct_beam import runs_remotely

    mode = PipelineOptions(beam_args).view_as(DirectOptions).direct_running_mode
    return not runs_remotely(beam_args) and mode != "multi_processing"


@contextlib.contextmanager
def kept(path: Optional[str]) -> Iterator[None]:
    """While open, the SavedModel at `path` is loaded at most once (None keeps nothing); let go on exit."""
    if path is None:
        yield
        return
    _KEPT[_key(path)] = None
    try:
        yield
    finally:
        _KEPT.pop(_key(path), None)


def load(path: str) -> Any:
    """The SavedModel at `path` with its serving tag, as TFMA loads it; the kept one when `path` is kept."""
    import tensorflow as tf

    key = _key(path)
    model = _KEPT.get(key)
    if model is None:
        model = tf.compat.v1.saved_model.load_v2(path, tags=[tf.saved_model.SERVING])
        if key in _KEPT:
            _KEPT[key] = model
    return model


def eval_shared_model(eval_saved_model_path: str, model_name: str = "", eval_config: Any = None, **kwargs: Any):
    """TFMA's default EvalSharedModel, loaded through `load` when its path is kept (TFX calls this by name)."""
    import tensorflow as tf
    import tensorflow_model_analysis as tfma

    loader = None
    if _key(eval_saved_model_path) in _KEPT:
        tags = [tf.saved_model.SERVING]
        loader = tfma.types.ModelLoader(construct_fn=functools.partial(load, eval_saved_model_path), tags=tags)
    return tfma.default_eval_shared_model(
        eval_saved_model_path=eval_saved_model_path,
        model_name=model_name,
        eval_config=eval_config,
        custom_model_loader=loader,
        **kwargs,
    )
