"""pipeline.report.runs and `vtx report`'s errors, on small ML Metadata stores made here."""

import re
from pathlib import Path

import pytest
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from pipeline import mlmd
from pipeline.report import runs
from tests.builders.vertex_settings import REQUIRED

pytestmark = pytest.mark.unit


def make_store(path: Path, run_ids) -> metadata_store.MetadataStore:
    """An MLMD store with a pipeline_run context per id, and one node execution in each run."""
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    store = metadata_store.MetadataStore(config)
    run_type = store.put_context_type(metadata_store_pb2.ContextType(name="pipeline_run"))
    node_type = store.put_context_type(metadata_store_pb2.ContextType(name="node"))
    execution_type = store.put_execution_type(metadata_store_pb2.ExecutionType(name="Trainer"))
    [node] = store.put_contexts([metadata_store_pb2.Context(type_id=node_type, name="penguins.Trainer")])
    for run_id in run_ids:
        [run] = store.put_contexts([metadata_store_pb2.Context(type_id=run_type, name=run_id)])
        execution = metadata_store_pb2.Execution(
            type_id=execution_type, last_known_state=metadata_store_pb2.Execution.COMPLETE
        )
        store.put_execution(execution, [], store.get_contexts_by_id([run, node]))
    return store


def test_the_latest_run_is_read_by_default_and_any_run_by_id(tmp_path: Path):
    make_store(tmp_path / "m.sqlite", ["run-a", "run-b", "run-c"])

    assert runs.load(str(tmp_path / "m.sqlite"), "penguins").run_id == "run-c"
    record = runs.load(str(tmp_path / "m.sqlite"), "penguins", "run-a")
    assert record.run_id == "run-a"
    assert list(record.nodes) == ["Trainer"] and record.nodes["Trainer"].status == "executed"
    assert record.facts == {}


def test_run_facts_round_trip_through_the_run_context(tmp_path: Path):
    make_store(tmp_path / "m.sqlite", ["run-a"])
    writable = mlmd.open_store(str(tmp_path / "m.sqlite"), writable=True)
    facts = {"git_commit": "abc123", "data_fingerprint": "f00d", "data_root": "/data", "wall_seconds": 61.5}

    assert mlmd.record_run_facts(writable, "run-a", facts)
    assert not mlmd.record_run_facts(writable, "no-such-run", facts)
    assert runs.load(str(tmp_path / "m.sqlite"), "penguins").facts == facts


@pytest.mark.parametrize(
    ("run_id", "message"),
    [
        ("nope", r"no run 'nope' in .*m.sqlite; the latest runs are: run-d, run-c, run-b$"),
        ("run-a", r"run 'run-a' in .*m.sqlite has no execution of pipeline 'other'$"),
    ],
)
def test_an_unknown_run_or_pipeline_is_one_message(tmp_path: Path, run_id: str, message: str):
    make_store(tmp_path / "m.sqlite", ["run-a", "run-b", "run-c", "run-d"])
    pipeline = "penguins" if run_id == "nope" else "other"

    with pytest.raises(runs.ReportError, match=message):
        runs.load(str(tmp_path / "m.sqlite"), pipeline, run_id)


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", r"no ML Metadata at \S+/out/metadata.sqlite; run `vtx run` first \(or pass --output\)"),
        ("empty file", r"no ML Metadata at \S+/out/metadata.sqlite; run `vtx run` first \(or pass --output\)"),
        ("not a database", r"\S+/out/metadata.sqlite is not a readable ML Metadata store: file is not a database"),
        ("no runs", r"ML Metadata at \S+/out/metadata.sqlite holds no pipeline run yet; run `vtx run` first"),
    ],
)
def test_vtx_report_without_runs_exits_2_with_one_line(vtx, tmp_path: Path, setup: str, message: str):
    store = tmp_path / "out" / "metadata.sqlite"
    if setup == "empty file":
        _write(store, b"")
    elif setup == "not a database":
        _write(store, b"not a database, just text\n" * 10)
    elif setup == "no runs":
        store.parent.mkdir()
        make_store(store, [])

    done = vtx("report", "--output", str(tmp_path / "out"))

    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert re.fullmatch(f"Error: {message}\n", done.stderr), done.stderr


def test_vtx_report_on_vertex_without_credentials_is_one_line(monkeypatch):
    import google.auth
    from click.testing import CliRunner
    from google.auth.exceptions import DefaultCredentialsError

    from pipeline.cli import main

    def no_credentials(*args, **kwargs):
        raise DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    flags = [arg for item in REQUIRED for arg in ("--set", item)]

    result = CliRunner().invoke(main, ["report", "--profile", "vertex", *flags])

    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "Error: no Google credentials: run `gcloud auth application-default login` "
        "or set GOOGLE_APPLICATION_CREDENTIALS\n"
    )
