"""Fixtures for the benchmarks/ unit tests: its scripts import each other as top-level modules, as when run."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


@pytest.fixture
def bench_modules(monkeypatch):
    """benchmarks/ first on sys.path, as `python benchmarks/<script>.py` has it."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return BENCHMARKS


@pytest.fixture
def run_script():
    """Runs a benchmarks/ script with this venv's Python; returns the finished process."""

    def run(script: str, *args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(BENCHMARKS / script), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    run.folder = BENCHMARKS  # type: ignore[attr-defined]
    return run
