"""The tracking settings: each profile's backend, where MLflow runs go, and refusals that name the key."""

from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_config
from tests.builders.vertex_settings import REQUIRED

pytestmark = pytest.mark.unit

VERTEX = REQUIRED


def test_local_runs_go_to_the_embedded_mlflow_store_under_the_output_root(tmp_path):
    config = load_config(overrides=[f"output_root={tmp_path}"], environ={})

    assert config.tracking.backend == "mlflow"
    settings = config.tracking_settings()
    assert settings["uri"] == f"sqlite:///{tmp_path.resolve()}/mlflow.db"
    assert settings["artifact_uri"] == str(tmp_path.resolve() / "mlartifacts")
    assert settings["experiment"] == "vertex-tfx-penguins" and settings["timeout_seconds"] == 20


def test_mlflow_tracking_uri_points_the_runs_at_a_server_and_tracking_uri_wins(tmp_path):
    server = "http://mlflow.internal:5000"
    from_env = load_config(environ={"MLFLOW_TRACKING_URI": server})
    from_setting = load_config(overrides=["tracking.uri=http://other:5000"], environ={"MLFLOW_TRACKING_URI": server})

    assert from_env.tracking_settings()["uri"] == server and "artifact_uri" not in from_env.tracking_settings()
    assert from_setting.tracking_settings()["uri"] == "http://other:5000"


def test_the_vertex_profile_tracks_in_vertex_ai_experiments():
    config = load_config(profile="vertex", overrides=VERTEX, environ={})

    assert config.tracking.backend == "vertex"
    settings = config.tracking_settings()
    assert (settings["project"], settings["location"]) == ("my-proj-1", "europe-west4")
    assert "uri" not in settings and "neptune" not in str(settings)


@pytest.mark.parametrize(
    ("profile", "overrides", "message"),
    [
        ("local", ["tracking.backend=wandb"], "tracking.backend"),
        (
            "local",
            ["tracking.backend=vertex"],
            "tracking.backend: vertex (Vertex AI Experiments) needs the vertex profile",
        ),
        (
            "vertex",
            [*VERTEX, "tracking.backend=mlflow"],
            "tracking.uri: on Vertex AI the mlflow backend needs a server",
        ),
        ("local", ["tracking.timeout_seconds=0"], "tracking.timeout_seconds"),
        ("local", ["tracking.colour=red"], "tracking.colour"),
    ],
)
def test_bad_tracking_settings_name_the_key(profile, overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(profile=profile, overrides=overrides, environ={})


def test_the_tracking_module_is_named_not_imported():
    config = load_config(environ={})
    assert config.modules.tracking == "modules.runtime.tracking"
    assert (Path(config.modules.package_dir) / "runtime" / "tracking" / "__init__.py").is_file()
