"""Unit tests of modules.runtime.tracking: the Neptune mode, offline runs on disk, run context, file fingerprints."""

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow as tf
import tfx

from modules.runtime import tracking
from pipeline.config import run_context
from tests.builders.neptune_offline import read_offline_runs

pytestmark = pytest.mark.unit

TOKEN = "fake-token"
PROJECT = "team/penguins"
# Neptune API tokens are base64-encoded JSON that holds the API address and the key.
API_KEY = "neptune-api-key-that-must-not-leak-7d41"
API_TOKEN = base64.b64encode(
    json.dumps(
        {"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai", "api_key": API_KEY}
    ).encode()
).decode()


@pytest.fixture
def clean_env(monkeypatch):
    """No Neptune or VTX variable from the environment the tests run in."""
    for name in (tracking.TOKEN_ENV, tracking.PROJECT_ENV, tracking.MODE_ENV, "NEPTUNE_DATA_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    for name in (tracking.RUN_ID_ENV, tracking.GIT_COMMIT_ENV, tracking.DATA_FINGERPRINT_ENV):
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
        ({tracking.TOKEN_ENV: TOKEN, tracking.PROJECT_ENV: PROJECT}, "async"),
        ({tracking.TOKEN_ENV: TOKEN}, "offline"),
        ({tracking.PROJECT_ENV: PROJECT}, "offline"),
        ({tracking.MODE_ENV: "debug"}, "debug"),
        ({tracking.TOKEN_ENV: TOKEN, tracking.PROJECT_ENV: PROJECT, tracking.MODE_ENV: "debug"}, "debug"),
        ({tracking.TOKEN_ENV: TOKEN, tracking.PROJECT_ENV: PROJECT, tracking.MODE_ENV: "offline"}, "offline"),
        ({tracking.TOKEN_ENV: TOKEN, tracking.PROJECT_ENV: PROJECT, tracking.MODE_ENV: ""}, "async"),
    ],
    ids=["none", "token+project", "token-only", "project-only", "debug", "debug-wins", "offline-wins", "empty-mode"],
)
def test_mode_follows_the_environment(clean_env, env, expected):
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert tracking.mode() == expected


def test_a_mode_neptune_does_not_know_is_named(clean_env):
    clean_env.setenv(tracking.MODE_ENV, "disabled")
    with pytest.raises(ValueError, match=r"^NEPTUNE_MODE='disabled' is not a Neptune mode; use one of async, sync, "):
        tracking.mode()


def test_the_run_context_names_are_the_ones_the_pipeline_sets():
    # modules/ cannot import pipeline/, so tracking keeps a copy of the names; this keeps the copy true.
    assert tracking.RUN_ID_ENV == run_context.RUN_ID_ENV
    assert tracking.GIT_COMMIT_ENV == run_context.GIT_COMMIT_ENV
    assert tracking.DATA_FINGERPRINT_ENV == run_context.DATA_FINGERPRINT_ENV
    assert {tracking.RUN_ID_ENV, tracking.GIT_COMMIT_ENV, tracking.DATA_FINGERPRINT_ENV} == run_context.RUN_CONTEXT_ENV


def test_an_offline_run_logs_into_the_data_directory(neptune_dir, clean_env, tmp_path):
    clean_env.setenv(tracking.RUN_ID_ENV, "vtx-run-42")
    clean_env.setenv(tracking.GIT_COMMIT_ENV, "0123abc")
    clean_env.setenv(tracking.DATA_FINGERPRINT_ENV, "data-fp")
    input_file = tmp_path / "train.csv"
    input_file.write_bytes(b"species,island\nAdelie,Torgersen\n")

    run = tracking.start_run("training", tags=["training"])
    try:
        tracking.log_context(run, [str(input_file)])
        run["parameters"] = {"learning_rate": 0.01, "num_layers": 2, "batch_size": 32}
        for accuracy in (0.5, 0.75, 0.875):
            run["training/fit/epoch/accuracy"].append(accuracy)
        info = tracking.describe(run)
    finally:
        run.stop()

    assert info == {"mode": "offline", "url": None, "offline_dir": str(neptune_dir.resolve())}
    files = _files(neptune_dir)
    assert files and all(path.is_relative_to(neptune_dir / "offline") for path in files), files
    assert _files(tmp_path / "cwd") == []

    [fields] = read_offline_runs(neptune_dir)
    assert fields["sys/name"] == "training"
    assert fields["sys/tags"] == ["training"]
    assert fields["parameters/learning_rate"] == 0.01
    assert fields["parameters/num_layers"] == 2
    assert fields["parameters/batch_size"] == 32
    assert fields["training/fit/epoch/accuracy"] == [0.5, 0.75, 0.875]
    assert fields["pipeline/run_id"] == "vtx-run-42"
    assert fields["pipeline/git_commit"] == "0123abc"
    assert fields["data/fingerprint"] == "data-fp"
    assert fields["data/input_fingerprint"] == tracking.files_fingerprint([str(input_file)])
    assert len(fields["data/input_fingerprint"]) == 64
    assert fields["versions/tfx"] == tfx.__version__
    assert fields["versions/tensorflow"] == tf.__version__


def test_log_context_says_unknown_without_run_context(neptune_dir, tmp_path):
    run = tracking.start_run("tuning", tags=["tuning"])
    try:
        tracking.log_context(run, [])
    finally:
        run.stop()
    [fields] = read_offline_runs(neptune_dir)
    assert [fields[key] for key in ("pipeline/run_id", "pipeline/git_commit", "data/fingerprint")] == ["unknown"] * 3


def test_offline_runs_read_back_oldest_first(neptune_dir):
    for name in ("tuning", "training"):
        run = tracking.start_run(name, tags=[name])
        run[f"{name}/marker"] = name
        run.stop()
    runs = read_offline_runs(neptune_dir)
    assert [run["sys/name"] for run in runs] == ["tuning", "training"]
    assert [run["sys/tags"] for run in runs] == [["tuning"], ["training"]]
    assert "training/marker" not in runs[0] and runs[1]["training/marker"] == "training"
    assert read_offline_runs(neptune_dir / "offline") == runs


def test_the_api_token_is_written_nowhere_when_neptune_mode_is_offline(neptune_dir, clean_env, tmp_path):
    clean_env.setenv(tracking.TOKEN_ENV, API_TOKEN)
    clean_env.setenv(tracking.PROJECT_ENV, PROJECT)
    clean_env.setenv(tracking.MODE_ENV, "offline")
    assert tracking.mode() == "offline"

    run = tracking.start_run("training", tags=["training"])
    try:
        tracking.log_context(run, [])
        run["parameters/learning_rate"] = 0.01
        tracking.write_tracking_file(str(tmp_path / "model_run"), tracking.describe(run))
    finally:
        run.stop()

    files = _files(tmp_path)
    assert len(files) >= 2, files  # the run's queue and metadata, and the tracking file
    leaks = [
        path for path in files if any(secret in path.read_bytes() for secret in (API_TOKEN.encode(), API_KEY.encode()))
    ]
    assert leaks == []
    assert read_offline_runs(neptune_dir)[0]["parameters/learning_rate"] == 0.01


def test_a_debug_run_writes_no_offline_data(neptune_dir, clean_env):
    clean_env.setenv(tracking.MODE_ENV, "debug")
    run = tracking.start_run("training")
    run["parameters/learning_rate"] = 0.01
    run.stop()
    assert read_offline_runs(neptune_dir) == []
    assert _files(neptune_dir) == []


def test_tracked_run_logs_the_context_then_records_where_it_went(neptune_dir, clean_env, tmp_path):
    clean_env.setenv(tracking.RUN_ID_ENV, "vtx-run-7")
    input_file = tmp_path / "eval.csv"
    input_file.write_bytes(b"species\nGentoo\n")

    with tracking.tracked_run("training", [str(input_file)], str(tmp_path / "model_run")) as run:
        run["parameters/learning_rate"] = 0.03
        assert run.get_state() == "started"

    assert run.get_state() == "stopped"
    [fields] = read_offline_runs(neptune_dir)
    assert fields["sys/name"] == "training" and fields["sys/tags"] == ["training"]
    assert fields["pipeline/run_id"] == "vtx-run-7"
    assert fields["data/input_fingerprint"] == tracking.files_fingerprint([str(input_file)])
    assert fields["parameters/learning_rate"] == 0.03
    recorded = json.loads((tmp_path / "model_run" / tracking.TRACKING_FILE).read_text())
    assert recorded == {"mode": "offline", "url": None, "offline_dir": str(neptune_dir.resolve())}


def test_tracked_run_stops_the_run_and_records_nothing_when_the_work_fails(neptune_dir, tmp_path):
    failing = tracking.tracked_run("tuning", [], str(tmp_path / "model_run"))
    with pytest.raises(RuntimeError, match="fit failed"), failing as run:
        run["tuning/max_trials"] = 2
        raise RuntimeError("fit failed")

    assert run.get_state() == "stopped"
    assert not (tmp_path / "model_run").exists()
    [fields] = read_offline_runs(neptune_dir)
    assert fields["sys/name"] == "tuning" and fields["tuning/max_trials"] == 2


def test_write_tracking_file_records_describe(neptune_dir, tmp_path):
    info = {"mode": "offline", "url": None, "offline_dir": str(neptune_dir.resolve())}
    tracking.write_tracking_file(str(tmp_path / "model_run" / "nested"), info)
    assert json.loads((tmp_path / "model_run" / "nested" / tracking.TRACKING_FILE).read_text()) == info


@pytest.fixture
def two_csvs(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(b"species\nAdelie\n")
    second.write_bytes(b"species\nGentoo\n")
    return first, second


def test_files_fingerprint_is_independent_of_pattern_order(two_csvs, tmp_path):
    first, second = two_csvs
    digest = hashlib.sha256()
    for path in (first, second):
        digest.update(f"{path.name}\0{path.stat().st_size}\0".encode() + path.read_bytes())
    expected = digest.hexdigest()
    assert tracking.files_fingerprint([str(first), str(second)]) == expected
    assert tracking.files_fingerprint([str(second), str(first)]) == expected
    assert tracking.files_fingerprint([str(tmp_path / "*.csv")]) == expected
    assert tracking.files_fingerprint([str(tmp_path / "*.csv"), str(first)]) == expected


def test_files_fingerprint_changes_when_bytes_move_between_files(two_csvs):
    first, second = two_csvs
    before = tracking.files_fingerprint([str(first), str(second)])
    first.write_bytes(b"species\nAdelie\nspecies\n")
    second.write_bytes(b"Gentoo\n")
    assert tracking.files_fingerprint([str(first), str(second)]) != before


def test_files_fingerprint_changes_with_content(two_csvs):
    first, second = two_csvs
    before = tracking.files_fingerprint([str(first), str(second)])
    second.write_bytes(b"species\nGentoa\n")
    after = tracking.files_fingerprint([str(first), str(second)])
    assert before != after
    assert tracking.files_fingerprint([str(first)]) not in (before, after)


def test_the_neptune_sync_command_the_readme_shows_is_installed():
    neptune_cli = Path(sys.executable).parent / "neptune"
    done = subprocess.run([str(neptune_cli), "sync", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--path" in done.stdout and "--project" in done.stdout
