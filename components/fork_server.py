"""The warm process that Beam's multi-processing workers are forked from: it imports their libraries once a run.

Started by components/forked_workers.py as `python -m components.fork_server FD`, FD a Unix socket that it has
bound and listens on already (an asker that comes early waits in the backlog). It imports what every DirectRunner
worker of this DAG imports (Beam's worker, TensorFlow, TFDV, TFT, TFX's Beam executors), freezes the collector
over it, then serves the socket. Each connection (components/fork_client.py's ask()) asks for one worker:

- the request: a 4-byte big-endian length, then that many bytes of JSON `{"environ": {...}, "cwd": "..."}`,
  with the worker's stdin, stdout and stderr passed as file descriptors (SCM_RIGHTS) on the first bytes;
- the child forked for it takes those descriptors, that environment and folder, and runs Beam's
  `sdk_worker_main.main`, as `python -m apache_beam.runners.worker.sdk_worker_main` would;
- the reply, when the child has ended: `exit N\n`, N its exit code (128 + the signal that ended it); or, for a
  request it cannot read, `refused WHY\n` and no worker.

If the asker goes away first, its worker is killed. The server ends when its stdin ends (the launcher closed
it, or died), killing any worker still running. It starts no thread, so forking copies no held lock of ours;
the libraries' own idle threads (OpenBLAS, jemalloc) are fork-aware.
"""

import contextlib
import gc
import importlib
import json
import logging
import os
import selectors
import signal
import socket
import struct
import sys
import traceback
from typing import Any, Dict, List, Optional

# What the workers of CsvExampleGen, StatisticsGen, Transform and the Evaluator import before their first row.
PRELOAD = (
    "apache_beam.runners.worker.sdk_worker_main",
    "tensorflow",
    "tensorflow_data_validation",
    "tensorflow_transform.beam",
    "tfx.components.transform.executor",
)
LENGTH = struct.Struct("!I")
STDIO = 3
MAX_REQUEST = 64 << 20
REQUEST_TIMEOUT = 30.0


class Request:
    """One asker's connection, the descriptors it passed, and its worker once forked."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.fds: List[int] = []
        self.pid = 0
        self.pidfd = -1

    def read(self) -> Dict[str, Any]:
        """The length, the descriptors with it, then the JSON; raises ValueError on anything else."""
        self.conn.settimeout(REQUEST_TIMEOUT)
        head, self.fds, _, _ = socket.recv_fds(self.conn, LENGTH.size, STDIO)
        head += _exactly(self.conn, LENGTH.size - len(head))
        (size,) = LENGTH.unpack(head)
        if size > MAX_REQUEST:
            raise ValueError(f"a request has at most {MAX_REQUEST} bytes, not {size}")
        body = _exactly(self.conn, size)
        if len(self.fds) != STDIO:
            raise ValueError(f"a request passes {STDIO} descriptors (stdin, stdout, stderr), not {len(self.fds)}")
        try:
            request = json.loads(body)
        except ValueError:
            raise ValueError("a request's body is JSON") from None
        if not (
            isinstance(request, dict)
            and isinstance(request.get("environ"), dict)
            and isinstance(request.get("cwd"), str)
        ):
            raise ValueError("a request is {'environ': {...}, 'cwd': '...'}")
        return request

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1
        self.conn.close()


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError("the request ended early")
        data += chunk
    return data


def preload() -> None:
    """Imports PRELOAD with the collector off, then freezes it all: the children never walk or copy it.

    A fresh worker imports TensorFlow and the rest after Beam's harness has given the root logger its handler,
    so `logging.basicConfig` (absl calls it on its first message) and TensorFlow's logger add no stderr handler
    of their own. A stand-in handler on the root logger during the imports keeps it that way here.
    """
    root = logging.getLogger()
    stand_in = logging.NullHandler()
    root.addHandler(stand_in)
    gc.disable()
    try:
        for name in PRELOAD:
            importlib.import_module(name)
    finally:
        gc.freeze()
        gc.enable()
        root.removeHandler(stand_in)


def exit_code(status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128 + the signal."""
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


class Server:
    """The accept loop: forks a worker per request, answers each with its exit code."""

    def __init__(self, listener: socket.socket, control: int):
        self.listener = listener
        self.control = control
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        self.selector.register(control, selectors.EVENT_READ, "control")
        self.requests: List[Request] = []

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.data == "control":
                    if not os.read(self.control, 4096):
                        return self.stop()
                elif key.data == "accept":
                    self.accept()
                elif key.data not in self.requests:
                    continue  # ended earlier in this same round
                elif key.fileobj is key.data.conn:
                    self.asker_gone(key.data)
                else:
                    self.worker_ended(key.data)

    def accept(self) -> None:
        conn, _ = self.listener.accept()
        request = Request(conn)
        try:
            body = request.read()
        except (OSError, ValueError) as error:
            with contextlib.suppress(OSError):
                request.conn.sendall(f"refused {error}\n".encode())
            request.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self.become_worker(request, body)
        for fd in request.fds:
            os.close(fd)
        request.fds = []
        request.pid, request.pidfd = pid, os.pidfd_open(pid)
        self.requests.append(request)
        self.selector.register(request.conn, selectors.EVENT_READ, request)
        self.selector.register(request.pidfd, selectors.EVENT_READ, request)

    def become_worker(self, request: Request, body: Dict[str, Any]) -> None:
        """In the child: drop the server's descriptors, take the asker's, run Beam's worker; never returns."""
        code = 1
        try:
            self.selector.close()
            self.listener.close()
            os.close(self.control)
            for other in self.requests:
                other.conn.close()
                os.close(other.pidfd)
            request.conn.close()
            for target, fd in enumerate(request.fds):
                os.dup2(fd, target)
                os.close(fd)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.chdir(body["cwd"])
            os.environ.clear()
            os.environ.update(body["environ"])
            _fresh_random()
            from apache_beam.runners.worker import sdk_worker_main

            sys.argv = [sdk_worker_main.__file__]
            sdk_worker_main.main(sys.argv)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:  # noqa: BLE001 - a child must end here, never return into the server's loop
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(code)

    def worker_ended(self, request: Request) -> None:
        _, status = os.waitpid(request.pid, 0)
        with contextlib.suppress(OSError):
            request.conn.sendall(f"exit {exit_code(status)}\n".encode())
        self.forget(request)

    def asker_gone(self, request: Request) -> None:
        """The asker closed its end before its worker ended: the worker is killed, and reaped when it ends."""
        try:
            if request.conn.recv(1):
                return  # an asker sends nothing after its request; a stray byte is not a goodbye
        except OSError:
            pass
        self.selector.unregister(request.conn)
        os.kill(request.pid, signal.SIGKILL)

    def forget(self, request: Request) -> None:
        for fileobj in (request.conn, request.pidfd):
            if fileobj in self.selector.get_map():
                self.selector.unregister(fileobj)
        self.requests.remove(request)
        request.close()

    def stop(self) -> None:
        for request in list(self.requests):
            os.kill(request.pid, signal.SIGKILL)
            os.waitpid(request.pid, 0)
            self.forget(request)


def _fresh_random() -> None:
    """numpy's global generator, which a fresh worker seeds from the OS, is reseeded (Python's reseeds itself)."""
    numpy: Optional[Any] = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def main(argv: List[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(fileno=int(argv[1]))
    preload()
    Server(listener, sys.stdin.fileno()).serve()


if __name__ == "__main__":
    main(sys.argv)
