"""`vtx serve` in a subprocess for the serving benchmark: started on a free port, loaded, stopped, its log counted."""

import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

import duckdb
import httpx
import psutil

from benchmarks.loopback_client import LoadResult, Request, load, mixed_load
from pipeline.serving.request_log import TABLE, duckdb_path

VTX = str(Path(sys.executable).parent / "vtx")
# A client's single-instance request: the first penguin of data/penguins.csv.
INSTANCE = {
    "island": "Torgersen",
    "sex": "male",
    "bill_length_mm": 39.1,
    "bill_depth_mm": 18.7,
    "flipper_length_mm": 181.0,
    "body_mass_g": 3750.0,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """`vtx serve` in a subprocess with some settings; stopped with SIGTERM, then its log is counted."""

    def __init__(self, output: Path, *overrides: str):
        self.output, self.port = output, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        flags = [item for override in overrides for item in ("--set", override)]
        command = [VTX, "serve", "--output", str(output), "--port", str(self.port), *flags]
        # A file, not a pipe: the server logs a line per refused request, and a pipe read only at the end fills.
        self.console = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self.console, stderr=subprocess.STDOUT, text=True)
        started = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"Error: vtx serve exited: {self.printed()[-2000:]}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        self.start_seconds = time.monotonic() - started
        self.sent = 0

    def printed(self) -> str:
        self.console.seek(0)
        return self.console.read()

    def run(self, clients: int, **kwargs) -> LoadResult:
        result = load(self.url, [INSTANCE], clients=clients, **kwargs)
        self.sent += len(result.statuses)
        return result

    def run_mixed(
        self, good_clients: int, bad: List[Request], bad_clients: int, seconds: float
    ) -> Tuple[LoadResult, LoadResult]:
        """Good and bad clients together; only the good requests are logged, so only they count as sent."""
        good_result, bad_result = mixed_load(self.url, [INSTANCE], good_clients, bad, bad_clients, seconds)
        self.sent += len(good_result.statuses)
        return good_result, bad_result

    def metric(self, name: str) -> float:
        lines = httpx.get(self.url + "/metrics").text.splitlines()
        return next((float(line.split()[-1]) for line in lines if line.startswith(name + " ")), 0.0)

    def rss_mb(self) -> float:
        process = psutil.Process(self.process.pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20

    def stop(self) -> int:
        """SIGTERM; the number of rows in its request log afterwards."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        self.console.close()
        path = duckdb_path(str(self.output))
        if not path.exists():
            return 0
        with duckdb.connect(str(path), read_only=True) as connection:
            count = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
        path.unlink()
        return count
