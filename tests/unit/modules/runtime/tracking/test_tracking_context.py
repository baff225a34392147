"""The run context every backend records: the variable names the pipeline sets, and file fingerprints."""

import hashlib

import pytest

from components import executors
from modules.runtime.tracking import SETTINGS_KEY, Settings, context
from pipeline.config import run_context, tracking

pytestmark = pytest.mark.unit


def test_the_names_modules_repeat_are_the_pipelines():
    # modules/ and components/ cannot import pipeline/, so they keep copies of these names; this keeps them true.
    assert (context.RUN_ID_ENV, context.GIT_COMMIT_ENV, context.DATA_FINGERPRINT_ENV) == (
        run_context.RUN_ID_ENV,
        run_context.GIT_COMMIT_ENV,
        run_context.DATA_FINGERPRINT_ENV,
    )
    assert executors.RUN_ID_ENV == run_context.RUN_ID_ENV
    assert SETTINGS_KEY == tracking.SETTINGS_KEY == executors.TRACKING


def test_tags_say_unknown_without_run_context(monkeypatch):
    for name in run_context.RUN_CONTEXT_ENV:
        monkeypatch.delenv(name, raising=False)
    tags = context.tags([])
    assert (tags["vtx.git_commit"], tags["vtx.data_fingerprint"]) == ("unknown", "unknown")
    assert tags["vtx.input_fingerprint"] == hashlib.sha256().hexdigest()


def test_settings_refuse_an_unknown_backend_and_ignore_unknown_keys():
    assert Settings.from_mapping({"backend": "mlflow", "pipeline_root": "gs://b/r", "later": 1}).backend == "mlflow"
    with pytest.raises(ValueError, match="tracking backend 'wandb' is not one of mlflow, vertex, neptune, none"):
        Settings.from_mapping({"backend": "wandb"})


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
    assert context.files_fingerprint([str(first), str(second)]) == expected
    assert context.files_fingerprint([str(second), str(first)]) == expected
    assert context.files_fingerprint([str(tmp_path / "*.csv")]) == expected
    assert context.files_fingerprint([str(tmp_path / "*.csv"), str(first)]) == expected


def test_files_fingerprint_changes_when_bytes_move_between_files(two_csvs):
    first, second = two_csvs
    before = context.files_fingerprint([str(first), str(second)])
    first.write_bytes(b"species\nAdelie\nspecies\n")
    second.write_bytes(b"Gentoo\n")
    assert context.files_fingerprint([str(first), str(second)]) != before
