"""Unit tests of tests.builders.beam_cluster: the environment the isolated Beam services and workers start with."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import beam_cluster
from tests.builders.beam_cluster import kept_worker_python, service_environment

pytestmark = pytest.mark.unit


def test_the_services_start_from_the_worker_venv_alone_with_legacy_keras(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/checkout")
    monkeypatch.setenv("VIRTUAL_ENV", "/checkout/.venv")
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "0")
    monkeypatch.setenv("VTX_TEST_KEPT", "yes")
    env = service_environment()
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env
    assert env["TF_USE_LEGACY_KERAS"] == "1"
    assert env["VTX_TEST_KEPT"] == "yes"


def test_a_worker_writes_the_bytecode_the_next_one_reads(monkeypatch, tmp_path):
    # As in many CI images: without the fix, each worker would compile TensorFlow from source again.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    (tmp_path / "worker_module.py").write_text("VALUE = 1\n")
    command = [sys.executable, "-c", "import worker_module"]
    subprocess.run(command, cwd=tmp_path, env=service_environment(), check=True)
    assert list((tmp_path / "__pycache__").glob("worker_module.*.pyc"))


def _venv(folder: Path) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")
    return folder / "bin" / "python"


def test_a_kept_worker_venv_whose_interpreter_went_away_is_replaced(tmp_path):
    # As CI found: a venv kept in /tmp linked to a fresh clone's .venv, deleted since.
    made = []
    first = kept_worker_python(tmp_path, make=lambda folder: made.append(folder) or _venv(folder))
    first.unlink()
    first.symlink_to(tmp_path / "a-clone-since-deleted" / "python")
    again = kept_worker_python(tmp_path, make=lambda folder: made.append(folder) or _venv(folder))
    assert again == first and again.exists() and len(made) == 2
    assert [p.name for p in tmp_path.iterdir()] == [first.parent.parent.name]


def test_a_kept_worker_venv_that_works_is_reused(tmp_path):
    made = []
    first = kept_worker_python(tmp_path, make=lambda folder: made.append(folder) or _venv(folder))
    assert kept_worker_python(tmp_path, make=lambda folder: made.append(folder) or _venv(folder)) == first
    assert len(made) == 1


def test_the_worker_venv_is_based_on_the_interpreter_itself_not_on_a_venv(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(beam_cluster.subprocess, "run", lambda command, **kwargs: calls.append(command))
    beam_cluster.worker_environment(tmp_path / "venv")
    base = calls[0][calls[0].index("--python") + 1]
    assert base == os.path.realpath(sys.executable)
    assert not (Path(base).parent.parent / "pyvenv.cfg").exists()
