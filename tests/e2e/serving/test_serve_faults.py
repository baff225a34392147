"""The real `vtx serve` with batching on, good and bad clients together on loopback for a bounded time: every
good request is answered 200 and logged, every bad one is a 4xx in Google's error shape, counted and logged as
refused; and what a client sees when the server shuts down."""

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import httpx
import pytest

from tests.builders.serving import free_port, isolated_output, logged_rows, penguins, start_vtx_serve, wait_ready

pytestmark = pytest.mark.e2e

GOOD_CLIENTS, BAD_CLIENTS = 16, 4
SECONDS = 8.0
# Each client stops after this many requests even if the time is not up.
MAX_REQUESTS_PER_CLIENT = 3000
JSON = {"content-type": "application/json"}
PENGUIN = '"sex": "male", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181'


@dataclass(frozen=True)
class Bad:
    """One malformed request and what it must get."""

    name: str
    status: int
    message: str
    body: bytes = b""
    method: str = "POST"
    path: str = "/predict"
    headers: Dict[str, str] = field(default_factory=lambda: JSON)


def _penguin(mass: str, island: str = '"Dream"') -> bytes:
    """A request body of one penguin, with body_mass_g and island as JSON text."""
    return ('{"instances": [{' + PENGUIN + ', "island": ' + island + ', "body_mass_g": ' + mass + "}]}").encode()


BAD = [
    Bad("lone surrogate", 400, "field 'island': must be valid Unicode text", _penguin("3750", '"Dr\\ud800eam"')),
    Bad("400-digit integer", 400, "field 'body_mass_g': int 1", _penguin("1" * 400)),
    Bad("beyond float32", 400, "field 'body_mass_g': float 1e+39 is not finite as float32", _penguin("1e39")),
    Bad("1e300", 400, "field 'body_mass_g': float 1e+300 is not finite as float32", _penguin("1e300")),
    Bad("nested 40,000 deep", 400, "nested too deeply", b'{"instances": ' + b"[" * 40_000 + b"]" * 40_000 + b"}"),
    Bad("wrong type", 400, "field 'body_mass_g': must be a number or null", _penguin('"heavy"')),
    Bad("not JSON", 400, "the body is not valid JSON", b'{"instances": [{'),
    Bad("wrong content type", 415, "Content-Type: application/json", _penguin("3750"), headers={"content-type": "a/b"}),
    Bad("wrong method", 405, "GET is not allowed here; use POST", method="GET"),
    Bad("no such route", 404, "no route /v1/predict", _penguin("3750"), path="/v1/predict"),
]


class GoodClient(threading.Thread):
    def __init__(self, url: str, index: int, until: float):
        super().__init__(daemon=True)
        self.url, self.index, self.until = url, index, until
        self.answers: List[Tuple[int, str]] = []
        self.instances = [instance for instance, _ in penguins(every=5)]

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while time.monotonic() < self.until and len(self.answers) < MAX_REQUESTS_PER_CLIENT:
                sent = len(self.answers)
                start = (self.index * 13 + sent) % len(self.instances)
                response = client.post("/predict", json={"instances": self.instances[start : start + 1 + sent % 3]})
                self.answers.append((response.status_code, response.headers.get("x-request-id", "")))


class BadClient(threading.Thread):
    def __init__(self, url: str, index: int, until: float):
        super().__init__(daemon=True)
        self.url, self.index, self.until = url, index, until
        self.answers: List[Tuple[Bad, int, Optional[dict]]] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while time.monotonic() < self.until and len(self.answers) < MAX_REQUESTS_PER_CLIENT:
                bad = BAD[(self.index + len(self.answers)) % len(BAD)]
                response = client.request(bad.method, bad.path, content=bad.body or None, headers=bad.headers)
                error = response.json().get("error") if "json" in response.headers.get("content-type", "") else None
                self.answers.append((bad, response.status_code, error))


def _metrics(url: str) -> Dict[str, float]:
    lines = httpx.get(url + "/metrics").text.splitlines()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines if not line.startswith("#")}


def _serve(served_run: Path, tmp_path: Path, *settings: str):
    output = isolated_output(served_run, tmp_path / "out")
    port = free_port()
    flags = [item for setting in settings for item in ("--set", setting)]
    server = start_vtx_serve(output, port, *flags, console=tmp_path / "console.txt")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process=server)
    except AssertionError:
        server.kill()
        raise AssertionError((tmp_path / "console.txt").read_text()[-3000:]) from None
    return server, url, output


def test_good_and_bad_clients_together_every_good_request_200_and_logged_every_bad_one_4xx(served_run, tmp_path):
    server, url, output = _serve(served_run, tmp_path, "serving.max_payload_bytes=100000")
    until = time.monotonic() + SECONDS
    good = [GoodClient(url, i, until) for i in range(GOOD_CLIENTS)]
    bad = [BadClient(url, i, until) for i in range(BAD_CLIENTS)]
    for client in good + bad:
        client.start()
    for client in good + bad:
        client.join(SECONDS + 60)
    metrics = _metrics(url)
    server.terminate()
    assert server.wait(60) == 0
    console = (tmp_path / "console.txt").read_text()

    answers = [answer for client in good for answer in client.answers]
    refusals = [answer for client in bad for answer in client.answers]
    assert {status for status, _ in answers} == {200}
    assert len(answers) > 100 and len(refusals) > 5 * len(BAD)
    wrong = {(b.name, status) for b, status, _ in refusals if status != b.status}
    assert wrong == set(), wrong
    for bad_request, status, error in refusals:
        assert error is not None and (error["code"], bad_request.message in error["message"]) == (status, True), error
    assert sorted(row["request_id"] for row in logged_rows(output)) == sorted(rid for _, rid in answers)
    assert metrics['vtx_serve_requests_total{code="200"}'] == len(answers)
    for code in (400, 404, 405, 415):
        assert metrics[f'vtx_serve_requests_total{{code="{code}"}}'] == sum(s == code for _, s, _ in refusals)
    assert 'vtx_serve_requests_total{code="500"}' not in metrics
    assert metrics["vtx_serve_batch_instances_count"] < len(answers), "no good request shared a model call"
    assert console.count(": refused ") == len(refusals), console[-3000:]
    assert "Traceback" not in console and ": failed " not in console


def _raw_request(sock: socket.socket, body: bytes) -> bytes:
    head = f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    sock.sendall(head.encode() + body)
    received = b""
    while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def test_on_sigterm_a_request_in_flight_is_answered_with_connection_close_and_idle_connections_are_closed(
    served_run, tmp_path
):
    # A lone request waits up to a second for company: long enough to be in flight when SIGTERM comes.
    server, url, _ = _serve(served_run, tmp_path, "serving.batching.max_wait_ms=1000")
    port = int(url.rsplit(":", 1)[1])
    idle = socket.create_connection(("127.0.0.1", port))
    assert b" 200 OK" in _raw_request(idle, _penguin("3750"))
    busy = socket.create_connection(("127.0.0.1", port))
    answer: List[bytes] = []
    in_flight = threading.Thread(target=lambda: answer.append(_raw_request(busy, _penguin("3750"))))
    in_flight.start()
    time.sleep(0.3)
    server.terminate()
    in_flight.join(30)
    idle.settimeout(10)
    closed = idle.recv(1)
    assert server.wait(60) == 0

    head = answer[0].split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 200") and "\r\nconnection: close" in head, head
    assert closed == b"", "the idle keep-alive connection was not closed"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
