"""Tracking through the run's tracker process: a run's calls go over a local socket to the process holding the client.

`vtx run` starts a tracker process that has the MLflow client loaded and the store open (pipeline/tracking/worker.py)
and names its socket in RELAY_ENV. The Tuner and Trainer in `vtx run`'s own process then neither import MLflow nor
write to its store: each call is one line to that process, which makes it with the real backend, in order. Calls
that return nothing are not waited for; a pipeline run's `end` and `where` wait for every call before them, and the
first failure of any earlier call is raised there, so the guard turns the tracker off as it would for a call made
here. Where the
socket does not answer (no tracker process, not ready yet, gone), `open_backend` opens the client in this process.
"""

import itertools
import json
import logging
import os
import selectors
import socket
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional

from modules.runtime.tracking.base import Backend, Run, RunRecord

# The socket of the run's tracker process; `vtx run` sets it (a copy of pipeline/tracking/worker.py's name:
# modules/ cannot import pipeline/, and a test keeps the two equal).
RELAY_ENV = "VTX_TRACKING_RELAY"
# Backends the tracker process holds a client of: the others keep their client in the calling process (Neptune's
# Keras callback needs its run object there).
RELAYED = ("mlflow",)
LOGGER = logging.getLogger("vtx.tracking")


class RelayError(RuntimeError):
    """A call the tracker process made failed; the message is its error."""


class _Connection:
    """One client's socket: requests are JSON lines, and only those that ask for a reply get one."""

    def __init__(self, path: str, timeout_seconds: float):
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._socket.settimeout(timeout_seconds)
            self._socket.connect(path)
        except OSError:
            self._socket.close()
            raise
        self._reader = self._socket.makefile("rb")
        self._handles = itertools.count(1)

    def new_handle(self) -> int:
        return next(self._handles)

    def send(self, op: str, handle: int, **args: Any) -> None:
        """Makes the call in the tracker process, without waiting for it."""
        self._write({"op": op, "handle": handle, "args": args})

    def call(self, op: str, handle: int, **args: Any) -> Any:
        """Makes the call after every one sent before it; its result, or RelayError for the first that failed."""
        self._write({"op": op, "handle": handle, "args": args, "reply": True})
        line = self._reader.readline()
        if not line:
            raise RelayError("the tracker process closed the connection")
        answer = json.loads(line)
        if "error" in answer:
            raise RelayError(answer["error"])
        return answer.get("result")

    def _write(self, request: Dict[str, Any]) -> None:
        self._socket.sendall(json.dumps(request).encode() + b"\n")


class RelayRun(Run):
    """A run in the tracker process. A child's end is not waited for either: its parent's end waits for it."""

    def __init__(self, connection: _Connection, handle: int, is_child: bool = False):
        self._connection, self._handle, self._is_child = connection, handle, is_child

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._connection.send("log_params", self._handle, params={k: str(v) for k, v in params.items()})

    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        self._connection.send("log_metrics", self._handle, metrics={k: float(v) for k, v in metrics.items()}, step=step)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self._connection.send("set_tags", self._handle, tags={k: str(v) for k, v in tags.items()})

    def child(self, name: str) -> Run:
        handle = self._connection.new_handle()
        self._connection.send("child", self._handle, name=name, new=handle)
        return RelayRun(self._connection, handle, is_child=True)

    def end(self, failed: bool = False) -> None:
        if self._is_child:
            self._connection.send("end", self._handle, failed=failed)
        else:
            self._connection.call("end", self._handle, failed=failed)

    def where(self) -> Dict[str, Any]:
        return dict(self._connection.call("where", self._handle))


class RelayBackend(Backend):
    """The backend held by the tracker process at `path`; raises OSError when nothing answers there."""

    name = "relay"

    def __init__(self, path: str, timeout_seconds: float):
        self._connection = _Connection(path, timeout_seconds)

    def pipeline_run(self, run_id: str) -> Run:
        handle = self._connection.new_handle()
        self._connection.send("pipeline_run", 0, run_id=run_id, new=handle)
        return RelayRun(self._connection, handle)

    def list_runs(self, limit: int) -> List[RunRecord]:
        return [RunRecord(**record) for record in self._connection.call("list_runs", 0, limit=limit)]


class _Client:
    """What the tracker process keeps of one connection: its runs by handle, and the first call that failed."""

    def __init__(self) -> None:
        self.runs: Dict[int, Run] = {}
        self.failed: Optional[str] = None
        self.pending = b""


def _make(backend: Backend, client: _Client, request: Dict[str, Any]) -> Any:
    op, args = request["op"], request.get("args", {})
    if op == "pipeline_run":
        client.runs[args["new"]] = backend.pipeline_run(args["run_id"])
    elif op == "child":
        client.runs[args["new"]] = client.runs[request["handle"]].child(args["name"])
    elif op == "list_runs":
        return [record.__dict__ for record in backend.list_runs(args["limit"])]
    elif op in ("log_params", "log_metrics", "set_tags", "end", "where"):
        return getattr(client.runs[request["handle"]], op)(**args)
    else:
        raise ValueError(f"unknown call {op!r}")
    return None


def _answer(backend: Backend, client: _Client, request: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Makes one call; the answer to send, for a call that asks for one."""
    result = None
    try:
        if client.failed is None:
            result = _make(backend, client, request)
    except Exception as error:  # noqa: BLE001 - the client's guard decides; it hears of it at its next reply
        client.failed = f"{type(error).__name__}: {error}"
        LOGGER.warning("experiment tracking call %s failed: %s", request.get("op"), client.failed)
    if not request.get("reply"):
        return None
    return {"error": client.failed} if client.failed is not None else {"result": result}


def serve(path: str, open_backend: Callable[[], Backend]) -> threading.Thread:
    """Listens at `path` and makes the calls of every client on one daemon thread, with one backend opened there."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen()
    thread = threading.Thread(target=_loop, args=(listener, open_backend), name="tracking-relay", daemon=True)
    thread.start()
    return thread


def _loop(listener: socket.socket, open_backend: Callable[[], Backend]) -> None:
    try:
        backend = open_backend()
    except Exception as error:  # noqa: BLE001 - then connections are refused, and each caller opens its own client
        LOGGER.warning("experiment tracking: the relay cannot open its client: %s: %s", type(error).__name__, error)
        listener.close()
        return
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, None)
    while True:
        for key, _ in selector.select():
            if key.data is None:
                accepted, _ = listener.accept()
                selector.register(accepted, selectors.EVENT_READ, (accepted, _Client()))
                continue
            connection, client = key.data
            if not _take(backend, connection, client):
                selector.unregister(connection)
                connection.close()


def _take(backend: Backend, connection: socket.socket, client: _Client) -> bool:
    """Makes the calls that arrived on one connection; False once the client has gone (its process ended)."""
    try:
        data = connection.recv(1 << 16)
        *lines, client.pending = (client.pending + data).split(b"\n")
        for line in lines:
            answer = _answer(backend, client, json.loads(line))
            if answer is not None:
                connection.sendall(json.dumps(answer).encode() + b"\n")
    except OSError:
        return False
    return bool(data)
