"""The real `vtx serve` under load on loopback: 16 concurrent clients, SIGTERM in the middle, no 5xx, and
exactly one logged row for every answered request once the server has exited."""

import threading
import time
from typing import List, Tuple

import httpx
import pytest

from tests.builders.serving import (
    free_port,
    isolated_output,
    logged_rows,
    penguins,
    start_vtx_serve,
    stop,
    wait_ready,
)

pytestmark = pytest.mark.e2e

CLIENTS = 16
# The load is planned for 20 s and SIGTERM comes in the middle of it.
PLANNED_SECONDS = 20.0
SIGTERM_AFTER = 10.0
# And bounded in count: no client sends more than this.
MAX_REQUESTS_PER_CLIENT = 5000


class Client(threading.Thread):
    """Posts 1-3 instances per request until the server goes away; keeps every answer's status and request id."""

    def __init__(self, url: str, index: int, terminated: threading.Event):
        super().__init__(daemon=True)
        self.url, self.index, self.terminated = url, index, terminated
        self.answers: List[Tuple[int, str]] = []
        self.errors_before_sigterm: List[str] = []
        self.instances = [instance for instance, _ in penguins(every=7)]

    def run(self) -> None:
        deadline = time.monotonic() + PLANNED_SECONDS
        with httpx.Client(base_url=self.url, timeout=60) as client:
            sent = 0
            while time.monotonic() < deadline and sent < MAX_REQUESTS_PER_CLIENT:
                start = (self.index * 31 + sent) % len(self.instances)
                body = {"instances": self.instances[start : start + 1 + sent % 3]}
                sent += 1
                try:
                    response = client.post("/predict", json=body)
                except httpx.TransportError as error:
                    if not self.terminated.is_set():
                        self.errors_before_sigterm.append(repr(error))
                    return
                self.answers.append((response.status_code, response.headers.get("x-request-id", "")))


def test_sixteen_clients_then_sigterm_no_5xx_and_every_answer_logged(served_run, tmp_path):
    output = isolated_output(served_run, tmp_path / "out")
    port = free_port()
    server = start_vtx_serve(output, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process=server)
    except AssertionError:
        server.kill()
        raise AssertionError(server.communicate()[1][-3000:]) from None
    terminated = threading.Event()
    clients = [Client(url, i, terminated) for i in range(CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(SIGTERM_AFTER)
    terminated.set()
    done = stop(server)
    for client in clients:
        client.join(60)

    answers = [answer for client in clients for answer in client.answers]
    statuses = {status for status, _ in answers}
    assert done.returncode == 0, done.stderr[-3000:]
    assert [error for client in clients for error in client.errors_before_sigterm] == []
    assert statuses == {200}, f"answers other than 200: {statuses}"
    assert len(answers) > 100, f"only {len(answers)} answers in {SIGTERM_AFTER} s"
    rows = logged_rows(output)
    assert len(rows) == len(answers)
    assert sorted(row["request_id"] for row in rows) == sorted(request_id for _, request_id in answers)
    assert done.stdout.strip().splitlines()[-1].startswith(f"Stopped. Request log: {len(answers)} rows written")
