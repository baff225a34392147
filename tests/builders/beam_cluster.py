"""An isolated Beam cluster on loopback: workers in a venv of uv.lock without this project, a job service, a pool.

This is how a Dataflow worker looks when the project's code is not in its image: the locked packages, and
only what the job stages. The job service and the worker pool are Beam's own (tests/builders/beam_services.py).
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

from pipeline.config import PROJECT_ROOT

SERVICES = Path(__file__).resolve().parent / "beam_services.py"
UV = Path(sys.executable).parent / "uv"


def worker_environment(folder: Path) -> Path:
    """A venv at `folder` with uv.lock's packages (no dev group) and not the project, from the same uv cache."""
    python = folder / "bin" / "python"
    if not python.exists():
        base = os.path.realpath(sys.executable)  # the interpreter itself: never another venv, which may go
        command = [str(UV), "sync", "--frozen", "--no-dev", "--no-install-project", "--python", base, "--quiet"]
        env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(folder))
        env.pop("VIRTUAL_ENV", None)
        subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    return python


def kept_worker_python(root: Path, make: Callable[[Path], Path] = worker_environment) -> Path:
    """The workers' interpreter in a venv under `root`, kept across sessions per uv.lock and base interpreter.

    A kept venv whose interpreter no longer resolves (a link to an interpreter that went away) is replaced.
    """
    key = (PROJECT_ROOT / "uv.lock").read_bytes() + os.path.realpath(sys.executable).encode()
    folder = root / f"vtx-test-workers-{hashlib.sha256(key).hexdigest()[:16]}"
    python = folder / "bin" / "python"
    if not python.exists():
        partial = Path(tempfile.mkdtemp(prefix="vtx-test-workers-", dir=root))
        make(partial / "venv")
        if folder.exists() and not python.exists():
            # Moved aside in one step, so no other session sees half of it.
            with contextlib.suppress(OSError):
                folder.rename(partial / "stale")
        # Another session may have made it first: then its venv stays, and this one goes.
        with contextlib.suppress(OSError):
            (partial / "venv").rename(folder)
        shutil.rmtree(partial, ignore_errors=True)
    if not python.exists():
        raise RuntimeError(f"the worker venv at {folder} has no working interpreter")
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
