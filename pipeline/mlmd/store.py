"""ML Metadata store access: open the SQLite store, a run's node executions and artifacts, the facts vtx adds."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

_STATES = {
    metadata_store_pb2.Execution.COMPLETE: "executed",
    metadata_store_pb2.Execution.CACHED: "cached",
    metadata_store_pb2.Execution.FAILED: "failed",
    metadata_store_pb2.Execution.RUNNING: "running",
    metadata_store_pb2.Execution.CANCELED: "canceled",
}

# Event kinds: what an execution wrote, and what it read.
OUTPUT_EVENTS = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
INPUT_EVENTS = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)

# Custom properties that `vtx run` adds to its pipeline_run context: facts TFX does not record.
RUN_FACTS = ("git_commit", "data_fingerprint", "data_root", "wall_seconds")
_FACT_PREFIX = "vtx_"


@dataclass
class NodeRun:
    """One node's execution in a pipeline run, its input and output artifacts by key, and when it started."""

    node_id: str
    status: str
    seconds: float
    outputs: Dict[str, List[metadata_store_pb2.Artifact]] = field(default_factory=dict)
    inputs: Dict[str, List[metadata_store_pb2.Artifact]] = field(default_factory=dict)
    started_ms: int = 0
    execution_type: str = ""


def open_store(sqlite_path: str, writable: bool = False) -> metadata_store.MetadataStore:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = sqlite_path
    config.sqlite.connection_mode = (
        metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE
        if writable
        else metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    )
    return metadata_store.MetadataStore(config)


def pipeline_runs(store: metadata_store.MetadataStore) -> List[metadata_store_pb2.Context]:
    """Every pipeline_run context in the store, oldest first."""
    if not any(t.name == "pipeline_run" for t in store.get_context_types()):
        return []
    return sorted(store.get_contexts_by_type("pipeline_run"), key=lambda c: (c.create_time_since_epoch, c.id))


def record_run_facts(store: metadata_store.MetadataStore, run_id: str, facts: Dict[str, object]) -> bool:
    """Adds `facts` (keys of RUN_FACTS) to a run's context; False if the run never reached ML Metadata."""
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    if run is None:
        return False
    for name, value in facts.items():
        target = run.custom_properties[_FACT_PREFIX + name]
        if isinstance(value, float):
            target.double_value = value
        else:
            target.string_value = str(value)
    store.put_contexts([run])
    return True


def run_facts(run: metadata_store_pb2.Context) -> Dict[str, object]:
    """The facts `record_run_facts` stored on a run's context, by their short name."""
    facts = {}
    for name in RUN_FACTS:
        value = run.custom_properties.get(_FACT_PREFIX + name)
        if value is not None and value.WhichOneof("value"):
            facts[name] = getattr(value, value.WhichOneof("value"))
    return facts


def _node_id(store: metadata_store.MetadataStore, execution_id: int, node_type_id: int, prefix: str) -> Optional[str]:
    """The id of the pipeline node an execution belongs to, from its 'node' context '<pipeline>.<node>'."""
    for context in store.get_contexts_by_execution(execution_id):
        if context.type_id == node_type_id and context.name.startswith(prefix):
            return context.name[len(prefix) :]
    return None


def node_runs(store: metadata_store.MetadataStore, pipeline_name: str, run_id: str) -> Dict[str, NodeRun]:
    """node id -> its latest execution in this run, with output artifacts."""
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    if run is None:
        return {}
    node_type_id = store.get_context_type("node").id
    result: Dict[str, NodeRun] = {}
    executions = sorted(store.get_executions_by_context(run.id), key=lambda e: e.id)
    for execution in executions:
        node_id = _node_id(store, execution.id, node_type_id, f"{pipeline_name}.")
        if node_id is None:
            continue
        seconds = (execution.last_update_time_since_epoch - execution.create_time_since_epoch) / 1000.0
        node = NodeRun(
            node_id,
            _STATES.get(execution.last_known_state, "unknown"),
            seconds,
            started_ms=execution.create_time_since_epoch,
            execution_type=execution.type,
        )
        _add_artifacts(store, execution.id, node)
        result[node_id] = node
    return result


def _add_artifacts(store: metadata_store.MetadataStore, execution_id: int, node: NodeRun) -> None:
    events = store.get_events_by_execution_ids([execution_id])
    artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    for event in events:
        if event.type in OUTPUT_EVENTS:
            by_key = node.outputs
        elif event.type in INPUT_EVENTS:
            by_key = node.inputs
        else:
            continue
        key = event.path.steps[0].key if event.path.steps else ""
        if event.artifact_id in artifacts:
            by_key.setdefault(key, []).append(artifacts[event.artifact_id])


def producer(store: metadata_store.MetadataStore, artifact_id: int) -> Optional[metadata_store_pb2.Execution]:
    """The execution that first wrote the artifact; a cached execution re-publishes it, but read the same inputs."""
    ids = sorted({e.execution_id for e in store.get_events_by_artifact_ids([artifact_id]) if e.type in OUTPUT_EVENTS})
    return store.get_executions_by_id(ids[:1])[0] if ids else None


def linked(
    store: metadata_store.MetadataStore, execution_id: int, key: str, kinds: Tuple[int, ...]
) -> List[metadata_store_pb2.Artifact]:
    """The artifacts an execution read (INPUT_EVENTS) or wrote (OUTPUT_EVENTS) under `key`."""
    events = store.get_events_by_execution_ids([execution_id])
    ids = [e.artifact_id for e in events if e.type in kinds and e.path.steps and e.path.steps[0].key == key]
    return list(store.get_artifacts_by_id(ids)) if ids else []


def readers_of(store: metadata_store.MetadataStore, artifact_id: int) -> List[int]:
    """Ids of the executions that read the artifact, oldest first."""
    return sorted({e.execution_id for e in store.get_events_by_artifact_ids([artifact_id]) if e.type in INPUT_EVENTS})


def run_of(store: metadata_store.MetadataStore, execution_id: int) -> Optional[metadata_store_pb2.Context]:
    """The pipeline_run context of an execution, if it has one."""
    return next((c for c in store.get_contexts_by_execution(execution_id) if c.type == "pipeline_run"), None)


def custom_property(artifact: metadata_store_pb2.Artifact, name: str):
    """A custom property's value, whatever its type, or None."""
    if name not in artifact.custom_properties:
        return None
    value = artifact.custom_properties[name]
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None
