"""The neptune backend: the mode from the environment, and the offline files a run leaves, read back."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from modules.runtime import tracking
from modules.runtime.tracking import context, neptune_server
from modules.runtime.tracking.keras import epoch_callback
from tests.builders.neptune_offline import read_offline_runs

pytestmark = pytest.mark.unit

TOKEN = "fake-token"
PROJECT = "team/penguins"
# Neptune API tokens are base64-encoded JSON that holds the API address and the key.
API_KEY = "neptune-api-key-that-must-not-leak-7d41"
API_TOKEN = base64.b64encode(
    json.dumps(
        {"api_address": "https://neptune.example", "api_url": "https://neptune.example", "api_key": API_KEY}
    ).encode()
).decode()
NEPTUNE = tracking.Settings(backend="neptune", timeout_seconds=60)


@pytest.fixture
def clean_env(monkeypatch):
    """No Neptune or VTX variable from the environment the tests run in."""
    for name in (
        neptune_server.TOKEN_ENV,
        neptune_server.PROJECT_ENV,
        neptune_server.MODE_ENV,
        "NEPTUNE_DATA_DIRECTORY",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in (context.RUN_ID_ENV, context.GIT_COMMIT_ENV, context.DATA_FINGERPRINT_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def neptune_dir(clean_env, tmp_path) -> Path:
    """NEPTUNE_DATA_DIRECTORY in a temp folder, run from an empty working directory (`tmp_path/cwd`)."""
    data_dir = tmp_path / ".neptune"
    clean_env.setenv("NEPTUNE_DATA_DIRECTORY", str(data_dir))
    (tmp_path / "cwd").mkdir()
    clean_env.chdir(tmp_path / "cwd")
    return data_dir


def _files(folder: Path):
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "offline"),
        ({"NEPTUNE_API_TOKEN": TOKEN, "NEPTUNE_PROJECT": PROJECT}, "async"),
        ({"NEPTUNE_API_TOKEN": TOKEN}, "offline"),
        ({"NEPTUNE_PROJECT": PROJECT}, "offline"),
        ({"NEPTUNE_MODE": "debug"}, "debug"),
        ({"NEPTUNE_API_TOKEN": TOKEN, "NEPTUNE_PROJECT": PROJECT, "NEPTUNE_MODE": "offline"}, "offline"),
        ({"NEPTUNE_API_TOKEN": TOKEN, "NEPTUNE_PROJECT": PROJECT, "NEPTUNE_MODE": ""}, "async"),
    ],
    ids=["none", "token+project", "token-only", "project-only", "debug", "offline-wins", "empty-mode"],
)
def test_mode_follows_the_environment(clean_env, env, expected):
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert neptune_server.mode() == expected


def test_a_mode_neptune_does_not_know_is_named(clean_env):
    clean_env.setenv("NEPTUNE_MODE", "disabled")
    with pytest.raises(ValueError, match=r"^NEPTUNE_MODE='disabled' is not a Neptune mode; use one of async, sync, "):
        neptune_server.mode()


def test_an_offline_pipeline_run_holds_params_tags_metrics_and_trials(neptune_dir, clean_env, tmp_path):
    run = tracking.pipeline_run(NEPTUNE, "vtx-run-42")
    run.log_params({"learning_rate": 0.01, "num_layers": 2})
    run.set_tags({"vtx.git_commit": "0123abc", "vtx.data_fingerprint": "data-fp"})
    run.log_metrics({"final.val_accuracy": 0.875})
    trial = run.child("trial-03")
    trial.log_params({"learning_rate": 0.03})
    trial.log_metrics({"score": 0.9})
    trial.end()
    run.end()

    assert dict(run.where()) == {"backend": "neptune", "mode": "offline", "offline_dir": str(neptune_dir.resolve())}
    assert _files(tmp_path / "cwd") == []
    [fields] = read_offline_runs(neptune_dir)
    assert fields["sys/name"] == "vtx-run-42"
    assert fields["vtx/pipeline_run_id"] == "vtx-run-42" and fields["vtx/role"] == "pipeline"
    assert fields["parameters/learning_rate"] == 0.01 and fields["parameters/num_layers"] == 2
    assert fields["vtx/git_commit"] == "0123abc" and fields["vtx/data_fingerprint"] == "data-fp"
    assert fields["metrics/final_val_accuracy"] == 0.875
    assert fields["trials/trial-03/parameters/learning_rate"] == 0.03
    assert fields["trials/trial-03/metrics/score"] == 0.9


def test_each_epoch_goes_through_neptunes_keras_callback(neptune_dir):
    run = tracking.pipeline_run(NEPTUNE, "vtx-run-7")
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(8, dtype="float32").reshape(-1, 1)
    model.fit(x, 2 * x, epochs=3, verbose=0, callbacks=[epoch_callback(run)])
    run.end()

    [fields] = read_offline_runs(neptune_dir)
    losses = [v for k, v in fields.items() if k.startswith("training/") and k.endswith("epoch/loss")]
    assert len(losses) == 1 and len(losses[0]) == 3


def test_the_api_token_is_written_nowhere_when_neptune_mode_is_offline(neptune_dir, clean_env, tmp_path):
    clean_env.setenv("NEPTUNE_API_TOKEN", API_TOKEN)
    clean_env.setenv("NEPTUNE_PROJECT", PROJECT)
    clean_env.setenv("NEPTUNE_MODE", "offline")
    run = tracking.pipeline_run(NEPTUNE, "vtx-run-9")
    run.log_params({"learning_rate": 0.01})
    run.end()
    context.write_tracking_file(str(tmp_path / "model_run"), dict(run.where()))

    files = _files(tmp_path)
    assert len(files) >= 2, files
    secrets = (API_TOKEN.encode(), API_KEY.encode())
    assert [path for path in files if any(secret in path.read_bytes() for secret in secrets)] == []
    assert read_offline_runs(neptune_dir)[0]["parameters/learning_rate"] == 0.01


def test_a_debug_run_writes_no_offline_data(neptune_dir, clean_env):
    clean_env.setenv("NEPTUNE_MODE", "debug")
    run = tracking.pipeline_run(NEPTUNE, "vtx-run-1")
    run.log_params({"learning_rate": 0.01})
    run.end()
    assert read_offline_runs(neptune_dir) == [] and _files(neptune_dir) == []


def test_listing_offline_runs_says_a_server_is_needed(neptune_dir):
    with pytest.raises(RuntimeError, match="listing Neptune runs needs a Neptune server"):
        tracking.list_runs(vars(NEPTUNE), 10)
