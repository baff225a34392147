"""The DirectRunner's multi-processing workers, forked from one warm process instead of started afresh each step.

Beam's multi-processing mode starts `python -m apache_beam.runners.worker.sdk_worker_main` for every worker of
every Beam step, and each imports Beam, TensorFlow and TFDV or TFT again before its first row: about 4.5 s of
a core per worker per step, paid alike with one worker or two, so it is a fixed cost that no worker count
divides. With `install()`, this process starts one warm process (components/fork_server.py) that imports them
once, and each worker is a fork of it: the same `sdk_worker_main.main`, with the same environment, pipeline
options, control and logging endpoints, stdin, stdout and stderr that Beam's subprocess would have had.

How: Beam's FnApiRunner picks how an environment's workers start from its worker-handler registry. install()
registers ForkedSdkWorkerHandler for Beam's subprocess environment; it forks only Beam's own worker command
(the one the multi-processing mode uses) and starts any other command line as Beam does. Beam waits for a
forked worker to end and fails the step on a non-zero exit, as for its own subprocess. Linux only (os.fork,
pidfd); elsewhere install() does nothing and Beam starts its workers itself. The warm process listens on a Unix
socket in a folder that only this user can open (mkdtemp), since whoever asks it gets a process of this user.
"""

import atexit
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Dict, List, Optional

from apache_beam.runners.portability import local_job_service
from apache_beam.runners.portability.fn_api_runner import worker_handlers

from components import fork_server

# The command FnApiRunner gives its multi-processing workers (fn_runner.FnApiRunner.run_pipeline).
BEAM_COMMAND = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
STOP_SECONDS = 10.0
_LOGGER = logging.getLogger(__name__)


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
        if _warm is None or not _warm.running():
            if _warm is not None:
                _warm.stop()
            _warm = WarmProcess()
        return _warm


def _stop() -> None:
    with _warm_lock:
        if _warm is not None:
            _warm.stop()


class ForkedSdkWorker(local_job_service.SubprocessSdkWorker):
    """Beam's SubprocessSdkWorker with a fork of the warm process as the worker.

    Like Beam's, it serves the worker's logs (on loopback here) and raises if the worker exits non-zero. If
    the warm process gives no worker, this one starts as Beam starts it (a warning says why): Beam's runner
    would otherwise wait for ever for a worker that never connects.
    """

    def run(self) -> None:
        import grpc
        from apache_beam.portability.api import beam_fn_api_pb2_grpc, endpoints_pb2
        from apache_beam.utils import thread_pool_executor
        from google.protobuf import json_format, text_format

        logging_server = grpc.server(thread_pool_executor.shared_unbounded_instance())
        logging_port = logging_server.add_insecure_port("127.0.0.1:0")
        beam_fn_api_pb2_grpc.add_BeamFnLoggingServicer_to_server(
            local_job_service.BeamFnLoggingServicer(), logging_server
        )
        logging_server.start()
        try:
            environ = dict(
                os.environ,
                CONTROL_API_SERVICE_DESCRIPTOR=text_format.MessageToString(
                    endpoints_pb2.ApiServiceDescriptor(url=self._control_address)
                ),
                LOGGING_API_SERVICE_DESCRIPTOR=text_format.MessageToString(
                    endpoints_pb2.ApiServiceDescriptor(url=f"127.0.0.1:{logging_port}")
                ),
                PIPELINE_OPTIONS=json_format.MessageToJson(self._provision_info.provision_info.pipeline_options),
            )
            if self._worker_id:
                environ["WORKER_ID"] = self._worker_id
            try:
                code = warm().run_worker(environ)
            except NotForkedError as error:
                _LOGGER.warning("%s; this Beam worker starts afresh instead", error)
                super().run()
                return
            if code:
                raise RuntimeError(f"Worker subprocess exited with return code {code}")
        finally:
            logging_server.stop(0)


class ForkedSdkWorkerHandler(worker_handlers.SubprocessSdkWorkerHandler):
    """Beam's handler for its subprocess environment, whose own worker command is a fork of the warm process."""

    def start_worker(self) -> None:
        if self._worker_command_line.decode() != BEAM_COMMAND:
            super().start_worker()
            return
        self.worker = ForkedSdkWorker(
            self._worker_command_line, self.control_address, self.provision_info, self.worker_id
        )
        self.worker_thread = threading.Thread(name="run_worker", target=self.worker.run)
        self.worker_thread.start()


_installed: List[bool] = []


def install() -> None:
    """From now on this process's multi-processing Beam workers are forked; the warm process starts importing now."""
    if not supported():
        return
    with _warm_lock:
        if not _installed:
            from apache_beam.portability import python_urns

            worker_handlers.WorkerHandler.register_environment(python_urns.SUBPROCESS_SDK, bytes)(
                ForkedSdkWorkerHandler
            )
            atexit.register(_stop)
            _installed.append(True)
    warm()
