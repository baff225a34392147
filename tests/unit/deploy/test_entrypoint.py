"""The image's entry point: Dataflow's flags reach Beam's boot; `vtx ...` runs the CLI, as a Cloud Run job does."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit

ENTRYPOINT = PROJECT_ROOT / "pipeline" / "entrypoint.sh"


def entrypoint(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    boot = tmp_path / "boot"
    boot.write_text('#!/bin/sh\necho "boot $*"\n[ "$(pwd)" = / ] || echo "boot started in $(pwd)"\n')
    boot.chmod(0o755)
    env = {**os.environ, "BEAM_BOOT": str(boot), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )


def test_dataflow_worker_flags_and_no_arguments_go_to_beams_boot_started_from_the_root(tmp_path):
    done = entrypoint("--id=sdk-0", "--logging_endpoint=localhost:1", tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (0, "boot --id=sdk-0 --logging_endpoint=localhost:1\n")
    assert entrypoint(tmp_path=tmp_path).stdout == "boot \n"


def test_a_vtx_command_runs_the_cli(tmp_path):
    done = entrypoint("vtx", "batch-predict", "--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: vtx batch-predict [OPTIONS]")
