"""Fixtures for the registry's unit tests: serving folders of fake versions, and a small ML Metadata store."""

import os
from pathlib import Path
from typing import Callable, Dict, Optional

import pytest
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from pipeline.registry.local import LocalRegistry


def add_version(serving_dir: Path, version: str, complete: bool = True) -> Path:
    """A version folder as the Pusher leaves it; saved_model.pb is what the Pusher copies last."""
    folder = serving_dir / version
    (folder / "variables").mkdir(parents=True)
    if complete:
        (folder / "saved_model.pb").write_bytes(b"model " + version.encode())
    return folder


@pytest.fixture
def serving_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "serving_model"
    folder.mkdir()
    return folder


@pytest.fixture
def registry(serving_dir: Path, tmp_path: Path) -> LocalRegistry:
    return LocalRegistry(str(serving_dir), str(tmp_path / "metadata.sqlite"))


def _store(path: Path) -> metadata_store.MetadataStore:
    config = mlmd.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    config.sqlite.connection_mode = mlmd.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return metadata_store.MetadataStore(config)


def _type(store, kind: str, name: str) -> int:
    put = {"artifact": store.put_artifact_type, "execution": store.put_execution_type}.get(kind, store.put_context_type)
    proto = {"artifact": mlmd.ArtifactType, "execution": mlmd.ExecutionType}.get(kind, mlmd.ContextType)(name=name)
    return put(proto)


def _artifact(store, type_name: str, uri: str, props: Dict[str, object]) -> mlmd.Artifact:
    artifact = mlmd.Artifact(type_id=_type(store, "artifact", type_name), uri=uri)
    for key, value in props.items():
        if isinstance(value, int):
            artifact.custom_properties[key].int_value = value
        else:
            artifact.custom_properties[key].string_value = str(value)
    return artifact


def _event(kind: int, key: str) -> mlmd.Event:
    event = mlmd.Event(type=kind)
    event.path.steps.add().key = key
    return event


@pytest.fixture
def record_push(tmp_path: Path) -> Callable[..., None]:
    """Records in <tmp_path>/metadata.sqlite what a run that pushed `version` leaves: Evaluator, Pusher, run."""

    def record(version: str, run_id: str, blessed: int = 1, fingerprint: Optional[str] = "abc123") -> None:
        store = _store(tmp_path / "metadata.sqlite")
        run = mlmd.Context(type_id=_type(store, "context", "pipeline_run"), name=run_id)
        if fingerprint:
            run.custom_properties["vtx_data_fingerprint"].string_value = fingerprint
        [run.id] = store.put_contexts([run])
        context = run
        evaluator = mlmd.Execution(type_id=_type(store, "execution", "Evaluator"))
        blessing = _artifact(store, "ModelBlessing", str(tmp_path / "blessing" / run_id), {"blessed": blessed})
        evaluation = _artifact(store, "ModelEvaluation", str(tmp_path / "no-evaluation-here"), {})
        _, (blessing_id, _), _ = store.put_execution(
            evaluator,
            [(blessing, _event(mlmd.Event.OUTPUT, "blessing")), (evaluation, _event(mlmd.Event.OUTPUT, "evaluation"))],
            [context],
        )
        pushed = _artifact(
            store,
            "PushedModel",
            str(tmp_path / "pushed" / run_id),
            {"pushed": 1, "pushed_version": version, "pushed_destination": f"/serving/{version}"},
        )
        blessing_in = mlmd.Artifact(id=blessing_id, type_id=blessing.type_id, uri=blessing.uri)
        blessing_in.custom_properties["blessed"].int_value = blessed
        pusher = mlmd.Execution(type_id=_type(store, "execution", "Pusher"))
        store.put_execution(
            pusher,
            [
                (blessing_in, _event(mlmd.Event.INPUT, "model_blessing")),
                (pushed, _event(mlmd.Event.OUTPUT, "pushed_model")),
            ],
            [context],
        )
        del store
        os.sync()

    return record
