"""Sends TFX, Beam, TensorFlow and Python logs to a file while the console shows progress only."""

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Iterator, TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def capture(log_file: Path, verbose: bool) -> Iterator[TextIO]:
    """Yields a console stream. Logs go to log_file; with verbose, to the console as well."""
    from absl import logging as absl_logging

    log_file.parent.mkdir(parents=True, exist_ok=True)
    absl_logging.set_verbosity(absl_logging.INFO)
    logging.basicConfig(format=LOG_FORMAT, force=True)
    try:
        with _redirect(log_file, verbose) as console:
            yield console
    finally:
        absl_logging.set_verbosity(absl_logging.WARNING)


@contextlib.contextmanager
def _redirect(log_file: Path, verbose: bool) -> Iterator[TextIO]:
    if verbose:
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logging.getLogger().addHandler(handler)
        try:
            yield sys.stdout
        finally:
            logging.getLogger().removeHandler(handler)
            handler.close()
        return
    # Executors, TF's C++ runtime and Beam write straight to fds 1 and 2; only an fd swap catches them.
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(1), "w", buffering=1)
    with open(log_file, "a") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            console.close()
