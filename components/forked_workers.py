"""The DirectRunner's multi-processing workers, forked from one warm process instead of started afresh each step.

Beam's multi-processing mode starts `python -m apache_beam.runners.worker.sdk_worker_main` for every worker of
every Beam step, and each imports Beam, TensorFlow and TFDV or TFT again before its first row: about 4.5 s of
a core per worker per step, paid alike with one worker or two, so it is a fixed cost that no worker count
divides. With `install()`, this process starts one warm process (components/fork_server.py) that imports them
once, and each worker is a fork of it: the same `sdk_worker_main.main`, with the same environment, pipeline
options, control and logging endpoints, stdin, stdout and stderr that Beam's subprocess would have had.

How: Beam's FnApiRunner picks how an environment's workers start from its worker-handler registry. install()
registers components/forked_worker_handler.py's handler for Beam's subprocess environment. It replaces only Beam's
own worker command (the one the multi-processing mode uses) with components/fork_client.py, which asks the warm
process for the worker; Beam starts, serves and waits for that process as for its own, and fails the step on a
non-zero exit. This module imports no Beam, so `vtx run` can start the warm process (warm()) before its own
imports; each Beam node's executor installs it (components/direct_beam.py). Linux only (os.fork, pidfd); elsewhere
install() does nothing and Beam starts its workers itself. The warm process listens on a Unix
socket in a folder that only this user can open (mkdtemp), since whoever asks it gets a process of this user.
"""

import atexit
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Dict, List, Optional

STOP_SECONDS = 10.0


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


def forks(beam_args: List[str]) -> bool:
    """Whether these Beam flags run the steps in the DirectRunner's multi-processing workers.

    Read as Beam reads them (the last value of a flag wins) without importing Beam, so that `vtx run` can ask
    before its own imports; the flags are `--name=value` (pipeline/config/beam.py refuses any other form).
    """
    last: Dict[str, str] = {}
    for flag in beam_args:
        name, _, value = flag.partition("=")
        last[name] = value
    return is_direct(last.get("--runner", "")) and last.get("--direct_running_mode") == "multi_processing"


def is_direct(runner: str) -> bool:
    """Whether a --runner value names Beam's DirectRunner ("" is Beam's default, the DirectRunner)."""
    return runner.lower().removesuffix("runner") in ("direct", "")


class WarmProcess:
    """One fork_server process and its socket in a private folder; `command` is the worker command that asks it."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="vtx-forked-workers-")
        self.path = os.path.join(self.folder, "socket")
        # Bound and listening before the server starts: an asker that comes while it imports waits in the backlog.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(self.path)
            listener.listen(64)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "components.fork_server", str(listener.fileno())],
                stdin=subprocess.PIPE,
                pass_fds=[listener.fileno()],
            )
        self.command = f"{shlex.quote(sys.executable)} -m components.fork_client {shlex.quote(self.path)}"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Closes its stdin, which ends it; killed if it has not ended in STOP_SECONDS."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_warm: Optional[WarmProcess] = None
_installed = False
_lock = threading.Lock()


def warm() -> WarmProcess:
    """This process's warm process, started on first use and again if it has ended."""
    global _warm
    with _lock:
        if _warm is not None and _warm.running():
            return _warm
        if _warm is None:
            atexit.register(_stop)
        else:
            _warm.stop()
        _warm = WarmProcess()
        return _warm


def _stop() -> None:
    with _lock:
        if _warm is not None:
            _warm.stop()


def install() -> None:
    """From now on this process's multi-processing Beam workers are forked; the warm process starts now if not yet.

    Starting it (warm()) needs no Beam import; registering the handler imports Beam.
    """
    global _installed
    if not supported():
        return
    warm()
    with _lock:
        if not _installed:
            from components import forked_worker_handler

            forked_worker_handler.register()
            _installed = True
