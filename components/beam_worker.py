"""Imported by each Beam worker process at its start (Beam's --beam_plugins): a collector that skips the long-lived.

The DirectRunner's multi-processing mode starts fresh worker processes for every Beam step, and each imports
TensorFlow, Beam and TFDV or TFT: about half a million objects that live as long as the process. Python's
garbage collector walks all of them in every full collection, and again, several times, when the interpreter
exits. The launcher stops the workers one after another (Beam's WorkerHandlerManager.close_all waits for each
process to end), so a Beam step with two workers ended with about 2 s of exits on one core. Here:

- after each full collection, what survived it is frozen (`gc.freeze`): the next full collection walks only
  what was made since, and the imports are walked once;
- at exit, everything is frozen before the interpreter's final collections, so the process ends at once.

Frozen objects are still freed when their last reference goes, as every acyclic object is; only a reference
cycle among them is kept until the process ends, and these processes live for one Beam step. Every bundle's
output is written and reported to the runner before the runner stops the worker, so nothing is left to flush
then (logging's own flush at exit still runs). Measured in benchmarks/findings.md, "Scale, round three".

`vtx run`'s own processes do the same with pipeline/workers.py's collector_frozen around their imports; a Beam
worker imports TensorFlow inside Beam's code, when it unpickles a step's functions, so there is no block to wrap.
pipeline/config/beam.py names this module in the flag (WORKER_PLUGIN) without importing it. Workers forked
from components/fork_server.py start with those imports frozen already and end with `os._exit`, so for them only
the freeze after each full collection counts; a worker Beam starts itself gets both.
"""

import atexit
import gc
from typing import Any, Dict


def freeze_survivors(phase: str, info: Dict[str, Any]) -> None:
    """A gc callback: after a full collection (generation 2), what is left is long-lived; freeze it."""
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def install() -> None:
    """Sets both up in this process, once."""
    if freeze_survivors not in gc.callbacks:
        gc.callbacks.append(freeze_survivors)
        atexit.register(gc.freeze)


# Beam imports a plugin module and calls nothing in it: installing on import is how a plugin takes effect.
install()
