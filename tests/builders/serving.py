"""Runs `vtx serve` for tests: in a thread of the test process, or as the real command in a subprocess."""

import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import duckdb
import httpx

from pipeline.config import PipelineConfig, load_config
from pipeline.registry import RegistryError, open_registry
from pipeline.serving.request_log import TABLE, duckdb_path
from pipeline.serving.server import Server, build

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VTX = str(Path(sys.executable).parent / "vtx")


def isolated_output(run_output: Path, target: Path) -> Path:
    """A copy of a run's pushed models and ML Metadata, so a test's request log and aliases stay its own.

    The registry's cache of each version's lineage comes along (it only mirrors the copied ML Metadata);
    its alias history does not.
    """
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("aliases.json*")
    shutil.copytree(run_output / "serving_model", target / "serving_model", ignore=ignore)
    shutil.copy2(run_output / "metadata.sqlite", target / "metadata.sqlite")
    return target


def pushed_versions(output: Path) -> List[str]:
    """The version folders under serving_model, oldest first."""
    return sorted((p.name for p in (output / "serving_model" / "penguins").iterdir() if p.name.isdigit()), key=int)


def push_copy(output: Path, version: str, new_version: str) -> Path:
    """A new complete version folder, as the Pusher leaves one: copied aside, then renamed into place."""
    serving = output / "serving_model" / "penguins"
    staging = serving / f"staging-{new_version}"
    shutil.copytree(serving / version, staging)
    os.rename(staging, serving / new_version)
    return serving / new_version


def serving_config(output: Path, *overrides: str) -> PipelineConfig:
    return load_config(
        overrides=[f"output_root={output}", "serving.port=0", *overrides], environ={"VTX_PROFILE": "local"}
    )


@dataclass
class Running:
    """A server running in a thread; `lines` is what it printed."""

    server: Server
    lines: List[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


def wait_ready(url: str, timeout: float = 120.0, process: Optional[subprocess.Popen] = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"vtx serve exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(f"{url}/ready", timeout=2)
            if response.status_code == 200:
                return response.json()
        time.sleep(0.1)
    raise AssertionError(f"{url} was not ready within {timeout} s")


@contextlib.contextmanager
def running(config: PipelineConfig) -> Iterator[Running]:
    """The app under uvicorn in a thread, serving the production model of config.output_root."""
    lines: List[str] = []
    server = build(config, open_registry(config), (RegistryError,), lines.append)
    thread = threading.Thread(target=server.run, name="vtx-serve", daemon=True)
    thread.start()
    wait_ready(server.url)
    try:
        yield Running(server, lines)
    finally:
        server.uvicorn.should_exit = True
        thread.join(60)
        assert not thread.is_alive(), "the server did not stop"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_vtx_serve(output: Path, port: int, *args: str, console: Optional[Path] = None) -> subprocess.Popen:
    """`vtx serve` in a subprocess; what it prints goes to pipes, or to the file `console` for a server that
    logs a line per refused request (a pipe nobody reads would fill and stall it)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VTX_")}
    command = [VTX, "serve", "--output", str(output), "--port", str(port), *args]
    if console is None:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    with console.open("w") as sink:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=environ, stdout=sink, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """SIGTERM, then what the process printed and its exit code."""
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def logged_rows(output: Path) -> List[Dict]:
    connection = duckdb.connect(str(duckdb_path(str(output))), read_only=True)
    try:
        cursor = connection.execute(f"SELECT * FROM {TABLE} ORDER BY logging_time")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def penguins(every: int = 1) -> List[Tuple[Dict, str]]:
    """Rows of data/penguins.csv as a client sends them (null for NA), each with its species."""
    pairs = []
    with (PROJECT_ROOT / "data" / "penguins.csv").open() as handle:
        for row in list(csv.DictReader(handle))[::every]:
            instance: Dict = {key: (None if row[key] == "NA" else float(row[key])) for key in NUMERIC}
            instance.update({key: (None if row[key] == "NA" else row[key]) for key in ("island", "sex")})
            pairs.append((instance, row["species"]))
    return pairs


NUMERIC = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
