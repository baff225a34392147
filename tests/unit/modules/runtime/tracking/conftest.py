"""What the tracking tests share: the mlflow backend's settings on an embedded SQLite store in a temp folder."""

import pytest

from modules.runtime import tracking


@pytest.fixture
def settings(tmp_path) -> tracking.Settings:
    return tracking.Settings(
        backend="mlflow",
        experiment="vertex-tfx-penguins",
        uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        artifact_uri=str(tmp_path / "mlartifacts"),
        timeout_seconds=60,
    )
