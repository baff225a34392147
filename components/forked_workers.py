"""The DirectRunner's multi-processing workers, forked from one warm process instead of started afresh each step.

Beam's multi-processing mode starts `python -m apache_beam.runners.worker.sdk_worker_main` for every worker of
every Beam step, and each imports Beam, TensorFlow and TFDV or TFT again before its first row: about 4.5 s of
a core per worker per step, paid alike with one worker or two, so it is a fixed cost that no worker count
divides. With `install()`, this process starts one warm process (components/fork_server.py) that imports them
once, and each worker is a fork of it: the same `sdk_worker_main.main`, with the same environment, pipeline
options, control and logging endpoints, stdin, stdout and stderr that Beam's subprocess would have had.

How: Beam's FnApiRunner picks how an environment's workers start from its worker-handler registry. install()
registers components/forked_worker_handler.py's handler for Beam's subprocess environment; it forks only Beam's
own worker command (the one the multi-processing mode uses) and starts any other command line as Beam does.
Beam waits for a forked worker to end and fails the step on a non-zero exit, as for its own subprocess. This
module imports no Beam, so `vtx run` can start the warm process (warm()) before its own imports. Linux only (os.fork,
pidfd); elsewhere install() does nothing and Beam starts its workers itself. The warm process listens on a Unix
socket in a folder that only this user can open (mkdtemp), since whoever asks it gets a process of this user.
"""

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Dict, List, Optional

from components import fork_server

STOP_SECONDS = 10.0


class ForkedWorkerError(RuntimeError):
    """The warm process ended while its worker ran; the message says so."""


class NotForkedError(ForkedWorkerError):
    """The warm process gave no worker (it is not running, or refused the request); nothing ran."""


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


class WarmProcess:
    """One fork_server process, its socket in a private folder, and the calls that ask it for workers."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="vtx-forked-workers-")
        self.path = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "components.fork_server", self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._ready = False
        self._lock = threading.Lock()

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self) -> None:
        with self._lock:
            if self._ready:
                return
            assert self.process.stdout is not None
            said = self.process.stdout.readline().decode().strip()
            if said != fork_server.READY:
                raise NotForkedError(
                    "the warm process for Beam's workers ended before it was ready "
                    f"(exit code {self.process.wait()}); its error is printed above"
                )
            self._ready = True

    def run_worker(self, environ: Dict[str, str]) -> int:
        """Asks for one worker with this environment and this process's stdio; waits for it; its exit code."""
        self.wait_ready()
        body = json.dumps({"environ": environ, "cwd": os.getcwd()}).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(self.path)
                socket.send_fds(conn, [fork_server.LENGTH.pack(len(body))], [0, 1, 2])
                conn.sendall(body)
            except OSError as error:
                raise NotForkedError(f"the warm process for Beam's workers is gone: {error}") from None
            reply = _all(conn)
        said = reply.decode(errors="replace").strip()
        if said.startswith("refused "):
            raise NotForkedError(f"the warm process for Beam's workers refused a worker: {said[8:]}")
        words = said.split()
        if len(words) != 2 or words[0] != "exit" or not words[1].isdigit():
            code = self.process.poll()
            raise ForkedWorkerError(f"the warm process for Beam's workers ended (exit code {code}) during a worker")
        return int(words[1])

    def stop(self) -> None:
        """Closes its stdin, which ends it; killed if it has not ended in STOP_SECONDS."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _all(conn: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := conn.recv(64):
            data += chunk
    except OSError:
        pass  # the warm process is gone: what came before is all there is
    return data


_warm: Optional[WarmProcess] = None
_warm_lock = threading.Lock()


def warm() -> WarmProcess:
    """This process's warm process, started on first use and again if it has ended."""
    global _warm
    with _warm_lock:
        if _warm is None:
            atexit.register(_stop)
        elif not _warm.running():
            _warm.stop()
        if _warm is None or not _warm.running():
            _warm = WarmProcess()
        return _warm


def _stop() -> None:
    with _warm_lock:
        if _warm is not None:
            _warm.stop()


_installed: List[bool] = []


def install() -> None:
    """From now on this process's multi-processing Beam workers are forked; the warm process starts now if not yet.

    Starting it first (warm()) needs no Beam import; registering the handler imports Beam.
    """
    if not supported():
        return
    warm()
    with _warm_lock:
        if not _installed:
            from components import forked_worker_handler

            forked_worker_handler.register()
            _installed.append(True)
