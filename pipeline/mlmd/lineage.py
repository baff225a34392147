"""Finds the training statistics and schema of a pushed model through ML Metadata lineage, never by path."""

import os
from dataclasses import dataclass
from typing import List, Optional

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from pipeline import mlmd

PUSHED_MODEL = "PushedModel"
_OUTPUT = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
_INPUT = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)


class LineageError(Exception):
    """No such pushed version, or a chain of ML Metadata that breaks before the statistics; one readable line."""


@dataclass(frozen=True)
class Lineage:
    """A pushed model and the artifacts of the run that trained it."""

    version: str
    destination: str
    model_uri: str
    schema_uri: str
    statistics_uri: str
    run_id: str

    @property
    def schema_file(self) -> str:
        return os.path.join(self.schema_uri, "schema.pbtxt")


def pushed_versions(store: metadata_store.MetadataStore) -> List[metadata_store_pb2.Artifact]:
    """Every PushedModel artifact that was pushed, oldest version first."""
    if not any(t.name == PUSHED_MODEL for t in store.get_artifact_types()):
        return []
    pushed = [a for a in store.get_artifacts_by_type(PUSHED_MODEL) if mlmd.custom_property(a, "pushed") == 1]
    return sorted(pushed, key=lambda a: (str(mlmd.custom_property(a, "pushed_version")), a.id))


def _events(store, artifact_id: int, kinds) -> List[metadata_store_pb2.Event]:
    return [e for e in store.get_events_by_artifact_ids([artifact_id]) if e.type in kinds]


def _producer(store, artifact: metadata_store_pb2.Artifact) -> Optional[metadata_store_pb2.Execution]:
    """The execution that first wrote the artifact; a cached execution re-publishes it, but read the same inputs."""
    ids = sorted({e.execution_id for e in _events(store, artifact.id, _OUTPUT)})
    return store.get_executions_by_id(ids[:1])[0] if ids else None


def _linked(store, execution_id: int, key: str, kinds) -> List[metadata_store_pb2.Artifact]:
    events = store.get_events_by_execution_ids([execution_id])
    ids = [e.artifact_id for e in events if e.type in kinds and e.path.steps and e.path.steps[0].key == key]
    return list(store.get_artifacts_by_id(ids))


def _step(store, artifact, key: str, what: str, version: str) -> metadata_store_pb2.Artifact:
    """The input `key` of the execution that produced `artifact`."""
    producer = _producer(store, artifact)
    found = _linked(store, producer.id, key, _INPUT) if producer else []
    if not found:
        raise LineageError(f"model version {version} has no lineage in ML Metadata: no {what} recorded for it")
    return found[0]


def _statistics(store, examples: metadata_store_pb2.Artifact, version: str) -> metadata_store_pb2.Artifact:
    """The statistics StatisticsGen computed over the examples the model's Transform read."""
    for execution_id in sorted({e.execution_id for e in _events(store, examples.id, _INPUT)}):
        statistics = _linked(store, execution_id, "statistics", _OUTPUT)
        if statistics:
            return statistics[0]
    raise LineageError(f"model version {version} has no lineage in ML Metadata: no statistics of its training examples")


def _run_id(store, execution: Optional[metadata_store_pb2.Execution]) -> str:
    if execution is None:
        return ""
    runs = [c for c in store.get_contexts_by_execution(execution.id) if c.type == "pipeline_run"]
    return runs[0].name if runs else ""


def _open(metadata_path: str):
    from ml_metadata import errors

    try:
        store = mlmd.open_store(metadata_path)
        return store, pushed_versions(store)
    except (errors.StatusError, RuntimeError) as error:
        # MLMD quotes the SQL it tried; the reason comes before it. Read-only, a file without MLMD's tables
        # fails on creating them.
        reason = str(error).removeprefix("Error when executing query: ").split(" query:", 1)[0]
        reason = "it has no ML Metadata tables" if "readonly database" in reason else reason
        raise LineageError(f"{metadata_path} is not a readable ML Metadata store: {reason}") from None


def find(metadata_path: str, version: Optional[str]) -> Lineage:
    """The pushed model `version` (default: the latest pushed) and its training statistics and schema."""
    if not os.path.isfile(metadata_path) or os.path.getsize(metadata_path) == 0:
        raise LineageError(f"no ML Metadata at {metadata_path}; run `vtx run` first (or pass --output)")
    store, pushed = _open(metadata_path)
    if not pushed:
        raise LineageError(
            f"ML Metadata at {metadata_path} records no pushed model; run `vtx run` until one is blessed"
        )
    by_version = {str(mlmd.custom_property(a, "pushed_version")): a for a in pushed}
    version = version or list(by_version)[-1]
    if version not in by_version:
        known = ", ".join(list(by_version)[-3:][::-1])
        raise LineageError(f"no pushed model version {version} in {metadata_path}; the latest are: {known}")
    artifact = by_version[version]
    model = _step(store, artifact, "model", "Pusher execution and its trained model", version)
    transform_graph = _step(store, model, "transform_graph", "Trainer execution and its transform graph", version)
    schema = _step(store, transform_graph, "schema", "Transform execution and its schema", version)
    examples = _step(store, transform_graph, "examples", "Transform execution and its examples", version)
    statistics = _statistics(store, examples, version)
    return Lineage(
        version=version,
        destination=str(mlmd.custom_property(artifact, "pushed_destination") or ""),
        model_uri=model.uri,
        schema_uri=schema.uri,
        statistics_uri=statistics.uri,
        run_id=_run_id(store, _producer(store, model)),
    )
