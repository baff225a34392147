"""`vtx schedule crontab`: the local equivalent, crontab lines that run vtx on the same cron expressions."""

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.schedule import crontab
from tests.unit.pipeline.schedule.conftest import SETTINGS

pytestmark = pytest.mark.unit

VTX = str(Path(sys.executable).parent / "vtx")


def block(vtx, *args: str) -> list:
    result = vtx("schedule", "crontab", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def command_of(line: str) -> str:
    """What cron hands to /bin/sh: the line after its five time fields, with \\% turned back into %."""
    return line.split(None, 5)[5].replace("\\%", "%")


def test_the_block_has_markers_and_one_line_per_schedule_on_its_cron(vtx, tmp_path):
    lines = block(
        vtx,
        "all",
        "--set",
        "schedule.training.cron=15 2 * * SUN",
        "--set",
        "schedule.batch_prediction.input=inbox",
        "--set",
        "schedule.batch_prediction.output=out",
    )

    assert lines[0] == crontab.BEGIN and lines[-1] == crontab.END
    assert lines[1].startswith("# all (local profile)")
    training, batch = lines[2:4]
    assert training.split()[:5] == ["15", "2", "*", "*", "SUN"]
    assert batch.split()[:5] == ["0", "*", "*", "*", "*"]
    assert f"cd {PROJECT_ROOT} && " in training
    assert f" {VTX} run >> {PROJECT_ROOT}/outputs/local/logs/cron-training.log 2>&1" in training
    assert (
        f" {VTX} batch-predict --input {tmp_path}/inbox --to {tmp_path}/out --model production "
        f">> {PROJECT_ROOT}/outputs/local/logs/cron-batch-predict.log 2>&1"
    ) in batch
    assert "VTX_" not in training + batch


def test_the_vertex_profile_has_no_crontab(vtx):
    flags = [item for setting in SETTINGS for item in ("--set", setting)]

    result = vtx("schedule", "crontab", "training", "--profile", "vertex", *flags)

    assert result.returncode == 2
    assert result.stderr == (
        "Error: profile 'vertex' targets Vertex AI; use `vtx schedule create` there, cron is for local\n"
    )


def test_batch_prediction_needs_its_folders(vtx):
    result = vtx("schedule", "crontab", "batch-predict")

    assert result.returncode == 2
    assert result.stderr == "Error: set schedule.batch_prediction.input and .output to schedule batch prediction\n"


def test_the_training_line_runs_vtx_with_the_same_settings_and_logs_to_the_file(vtx, tmp_path):
    """Runs the line as cron would; a data folder vtx run refuses at once proves it reached vtx, with the settings."""
    output, data = tmp_path / "runs 100%", tmp_path / "no data"
    lines = block(vtx, "training", "--set", f"output_root={output}", "--set", f"data_root={data}", "--profile", "local")
    line = lines[2]
    assert "100\\%" in line

    finished = subprocess.run(["/bin/sh", "-c", command_of(line)], capture_output=True, text=True, timeout=120)

    assert finished.returncode == 2
    log = (output / "logs" / "cron-training.log").read_text()
    assert f"Error: data folder {data} does not exist" in log
