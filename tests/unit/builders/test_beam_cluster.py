"""Unit tests of tests.builders.beam_cluster: the environment the isolated Beam services and workers start with."""

import subprocess
import sys

import pytest

from tests.builders.beam_cluster import service_environment

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
