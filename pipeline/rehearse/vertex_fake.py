"""The loopback Vertex AI fake of the checkout's tests/, started as a process of its own for one rehearsal."""

import socket
import subprocess
import sys
from pathlib import Path
from typing import Optional

FAKE_MODULE = "tests.fakes.vertex"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class FakeError(RuntimeError):
    """The fake cannot start here: no tests/ in this checkout, or it did not say its endpoint."""


def free_port(preferred: Optional[int]) -> int:
    """`preferred` when it is free on 127.0.0.1 (the endpoint is in the spec, so in cache keys), else any free one."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise FakeError("no free port on 127.0.0.1")


def is_loopback(endpoint: str) -> bool:
    """Whether an api_endpoint (http://HOST:PORT) names this machine."""
    if not endpoint.startswith("http://"):
        return False
    host = endpoint[len("http://") :].split("/", 1)[0].rsplit(":", 1)[0]
    return host in LOOPBACK_HOSTS


class VertexFakeProcess:
    """`python -m tests.fakes.vertex --port N` in the checkout, stopped by closing its stdin."""

    def __init__(self, checkout: Path, port: int) -> None:
        if not (checkout / "tests" / "fakes" / "vertex" / "__main__.py").exists():
            raise FakeError(
                f"{checkout} has no tests/fakes/vertex (the Vertex AI fake): pass --vertex-endpoint or --no-push"
            )
        self._process = subprocess.Popen(
            [sys.executable, "-m", FAKE_MODULE, "--port", str(port)],
            cwd=checkout,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise FakeError(f"the Vertex AI fake did not start on 127.0.0.1:{port}")
        self.endpoint = line

    def stop(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
