"""Fixtures for a swap to another dataset: the documented steps run in a copy of the project."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List

import pytest

from tests.builders.pipeline_runs import Run
from tests.builders.project_copy import PROJECT_ROOT, documented_commands, project_copy, shell

YOUR_DATA = PROJECT_ROOT / "docs" / "your-data.md"
SWAP_HEADING = "Swap in your CSV, step by step"


@dataclass
class Swap:
    """The copy after the documented steps, and what each step printed."""

    project: Path
    commands: List[str]
    done: List[subprocess.CompletedProcess]

    @property
    def output(self) -> Path:
        return self.project / "outputs" / "local"

    def of(self, word: str) -> subprocess.CompletedProcess:
        """The step whose command line holds `word` (e.g. 'vtx run')."""
        return next(done for command, done in zip(self.commands, self.done, strict=True) if word in command)


@pytest.fixture(scope="session")
def swap(first_run: Run, tmp_path_factory) -> Swap:
    """The steps of docs/your-data.md, as written, in a copy whose output root already has a penguin run."""
    project = project_copy(tmp_path_factory.mktemp("swap") / "project")
    # A penguin run's output root; not its request log, so that `vtx monitor` sees this dataset's requests only.
    shutil.copytree(first_run.output, project / "outputs" / "local", ignore=shutil.ignore_patterns("requests.duckdb*"))
    commands = documented_commands(YOUR_DATA, SWAP_HEADING)
    done = []
    for command in commands:
        done.append(shell(project, command))
        assert done[-1].returncode == 0, f"{command}\n{done[-1].stdout}\n{done[-1].stderr}"
    return Swap(project, commands, done)
