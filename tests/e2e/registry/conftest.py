"""A copy of the first run's registry (pushed versions and ML Metadata), so tests may promote without side effects."""

import shutil
from pathlib import Path

import pytest

from tests.builders.pipeline_runs import Run


@pytest.fixture
def registry_root(first_run: Run, tmp_path: Path) -> Path:
    """An output_root holding the first run's serving_model/ and metadata.sqlite (artifacts stay where they are)."""
    root = tmp_path / "outputs"
    shutil.copytree(first_run.output / "serving_model", root / "serving_model")
    shutil.copy2(first_run.output / "metadata.sqlite", root / "metadata.sqlite")
    return root
