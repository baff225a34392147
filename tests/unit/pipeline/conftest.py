"""Shared fixtures for the pipeline/ unit tests: clean `vtx` and Python subprocesses, and small CSV folders."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, NamedTuple, Optional

import pytest

VTX = Path(sys.executable).parent / "vtx"


class PenguinCsv(NamedTuple):
    header: str
    rows: List[str]

    def text(self) -> str:
        return "\n".join([self.header, *self.rows]) + "\n"


def _clean_environ(extra: Optional[dict]) -> dict:
    """The current environment without any VTX_* variable, plus `extra`."""
    environ = {name: value for name, value in os.environ.items() if not name.startswith("VTX_")}
    environ.update(extra or {})
    return environ


def _run(command: List[str], cwd: Path, env: Optional[dict]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=_clean_environ(env), capture_output=True, text=True, timeout=120)


@pytest.fixture
def vtx(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Runs the installed `vtx` entry point from a temp folder, isolated from VTX_* variables."""
    assert VTX.is_file(), f"the vtx entry point is not installed at {VTX}"

    def run(*args: str, env: Optional[dict] = None) -> subprocess.CompletedProcess:
        return _run([str(VTX), *args], tmp_path, env)

    return run


@pytest.fixture
def python(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Runs a Python script in this venv from a temp folder, isolated from VTX_* variables."""

    def run(script: str, env: Optional[dict] = None) -> subprocess.CompletedProcess:
        return _run([sys.executable, "-c", script], tmp_path, env)

    return run


@pytest.fixture
def penguin_csv() -> PenguinCsv:
    """The header and three rows of a valid penguins CSV."""
    return PenguinCsv(
        header="species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year",
        rows=[
            "Adelie,Torgersen,39.1,18.7,181,3750,male,2007",
            "Gentoo,Biscoe,46.1,13.2,211,4500,female,2007",
            "Chinstrap,Dream,46.5,17.9,192,3500,female,2007",
        ],
    )


@pytest.fixture
def penguin_folder(tmp_path: Path, penguin_csv: PenguinCsv) -> Path:
    """A data folder with one small, valid penguins CSV."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "penguins.csv").write_text(penguin_csv.text())
    return folder
