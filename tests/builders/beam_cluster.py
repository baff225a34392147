"""An isolated Beam cluster on loopback: workers in a venv of uv.lock without this project, a job service, a pool.

This is how a Dataflow worker looks when the project's code is not in its image: the locked packages, and
only what the job stages. The job service and the worker pool are Beam's own (tests/builders/beam_services.py).
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from pipeline.config import PROJECT_ROOT

SERVICES = Path(__file__).resolve().parent / "beam_services.py"
UV = Path(sys.executable).parent / "uv"


def worker_environment(folder: Path) -> Path:
    """A venv at `folder` with uv.lock's packages (no dev group) and not the project, from the same uv cache."""
    python = folder / "bin" / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        command = [str(UV), "sync", "--frozen", "--no-dev", "--no-install-project", "--python", base, "--quiet"]
        env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(folder))
        env.pop("VIRTUAL_ENV", None)
        subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    return python


def service_environment() -> Dict[str, str]:
    """The job service's, the pool's and so the workers' environment: the worker venv alone, writing its bytecode.

    Nothing of this checkout's interpreter or folder. The worker venv is synced without bytecode; with
    PYTHONDONTWRITEBYTECODE (set in many CI images) every worker would compile TensorFlow's modules from
    source again (about 8 s of CPU each), so the first worker writes them and the others read them.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    env["TF_USE_LEGACY_KERAS"] = "1"
    return env


def _wait_for_port(port_file: Path, process: subprocess.Popen, what: str) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if port_file.exists() and port_file.read_text().strip():
            return int(port_file.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"the {what} exited with {process.returncode} before serving")
        time.sleep(0.2)
    raise TimeoutError(f"the {what} did not serve within 120 s")


@contextmanager
def beam_cluster(python: Path, work: Path, image_code: Optional[Path] = None) -> Iterator[List[str]]:
    """A job service and a worker pool on 127.0.0.1; yields the Beam flags that send a job to them.

    `image_code` puts a copy of the project behind what the workers install, as an image that carries one.
    """
    work.mkdir(parents=True, exist_ok=True)
    env = service_environment()
    pool_args = ["--work-dir", str(work / "pool")] + (["--image-code", str(image_code)] if image_code else [])
    (work / "pool").mkdir(exist_ok=True)
    started = []
    try:
        for name, extra in (("job-service", ["--staging-dir", str(work / "staging")]), ("worker-pool", pool_args)):
            port_file = work / f"{name}.port"
            command = [str(python), str(SERVICES), name, "--port-file", str(port_file), *extra]
            log = (work / f"{name}.log").open("w")
            started.append(subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT))
            started[-1].port = _wait_for_port(port_file, started[-1], name)  # type: ignore[attr-defined]
        jobs, pool = (process.port for process in started)  # type: ignore[attr-defined]
        yield [
            f"--job_endpoint=127.0.0.1:{jobs}",
            "--environment_type=EXTERNAL",
            f"--environment_config=127.0.0.1:{pool}",
        ]
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
