"""What `vtx run`'s processes share: imports with the garbage collector frozen, and the one-job worker protocol."""

import contextlib
import gc
import json
from typing import Any, Callable, Dict, Iterator, TextIO

READY = "ready"


@contextlib.contextmanager
def collector_frozen() -> Iterator[None]:
    """The garbage collector off inside; what was made inside is then frozen, out of its reach.

    Importing TensorFlow, TFX, Beam and TFMA makes millions of objects that live as long as the process, and
    almost no garbage; the collector would walk them all again and again, during the import and then in every
    full collection (KerasTuner collects before each trial). Frozen, it skips them: about a fifth of the
    import's CPU time and a tenth of the Tuner's.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def serve(lines: TextIO, out: TextIO, handle: Callable[[Dict[str, Any]], Dict[str, Any]]) -> None:
    """A worker's side (pipeline/local/ahead.py has the caller's): says ready, then answers one JSON job.

    An empty line or the end of `lines` is no job: the worker stops.
    """
    print(READY, file=out, flush=True)
    line = lines.readline()
    if not line.strip():
        return
    print(json.dumps(handle(json.loads(line))), file=out, flush=True)
