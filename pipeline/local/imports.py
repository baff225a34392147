"""Imports the local runner (TensorFlow, TFX, Beam, TFMA) for `vtx run`, and sets up the one process it runs in."""

import contextlib
import functools
from importlib import metadata
from typing import Iterator

from pipeline.local import beam_signatures
from pipeline.workers import collector_frozen

# The side-input cache of Beam's in-process worker, in MB (Beam's default is 100).
IN_PROCESS_SIDE_INPUT_CACHE_MB = 0


@contextlib.contextmanager
def _distributions_listed_once() -> Iterator[None]:
    """importlib.metadata.packages_distributions() computed once while inside, then restored.

    Google's client libraries (api_core, BigQuery, BigQuery Storage, Pub/Sub, which Beam imports) each call it at
    import time, only to name themselves in a Python-version warning; each call reads the file list of every
    installed distribution (about 400 here): four reads of the same answer.
    """
    original = metadata.packages_distributions
    metadata.packages_distributions = functools.lru_cache(maxsize=1)(original)
    try:
        yield
    finally:
        metadata.packages_distributions = original


def import_runner() -> type:
    """pipeline.local.runner's RunContext, imported with Python's garbage collector off, then frozen."""
    with collector_frozen(), _distributions_listed_once():
        from pipeline.local.runner import RunContext
    _size_side_inputs_never()
    beam_signatures.remember()
    return RunContext


def _size_side_inputs_never() -> None:
    """Turns off the side-input cache of Beam's in-process worker, which runs every Beam step of `vtx run`.

    On a miss the cache weighs each side input with objsize, and objsize first walks the globals of every loaded
    module (thousands here: TensorFlow, TFX, TFMA) to leave them out: a cost of the process's imports, paid per
    side input, not of the data. In process, a side input is re-read from memory at no such cost. About a tenth
    of the Evaluator's CPU time (findings.md). Beam has no pipeline option for the in-process worker's cache;
    multi-process and remote workers keep theirs (--experiments=state_cache_size=N).
    """
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    worker_handlers.STATE_CACHE_SIZE_MB = IN_PROCESS_SIDE_INPUT_CACHE_MB
