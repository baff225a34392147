"""What ML Metadata knows about each pushed version: its run, blessing, data fingerprint and overall metrics."""

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

from ml_metadata.proto import metadata_store_pb2

from pipeline import mlmd
from pipeline.registry import evaluation

_OUTPUT = (metadata_store_pb2.Event.DECLARED_OUTPUT, metadata_store_pb2.Event.OUTPUT)
_INPUT = (metadata_store_pb2.Event.DECLARED_INPUT, metadata_store_pb2.Event.INPUT)


@dataclass(frozen=True)
class Facts:
    """A version's lineage; `found` is False when ML Metadata has no record of its push (yet)."""

    found: bool
    blessed: bool = True
    pipeline_run: Optional[str] = None
    data_fingerprint: Optional[str] = None
    metrics: Dict[str, float] = field(default_factory=dict)


def lookup(metadata_path: str, versions: Iterable[str]) -> Dict[str, Facts]:
    """Facts of each version whose push ML Metadata records; the others are left out."""
    wanted = set(versions)
    if not wanted or not os.path.isfile(metadata_path) or os.path.getsize(metadata_path) == 0:
        return {}
    from ml_metadata import errors

    try:
        store = mlmd.open_store(metadata_path)
        if not any(t.name == "PushedModel" for t in store.get_artifact_types()):
            return {}
        pushes = [
            a
            for a in store.get_artifacts_by_type("PushedModel")
            if mlmd.custom_property(a, "pushed") == 1 and mlmd.custom_property(a, "pushed_version") in wanted
        ]
        facts: Dict[str, Facts] = {}
        for pushed in sorted(pushes, key=lambda a: a.id):
            version = str(mlmd.custom_property(pushed, "pushed_version"))
            if version not in facts:
                found = _facts(store, pushed.id)
                if found is not None:
                    facts[version] = found
        return facts
    except (errors.StatusError, RuntimeError):
        # An unreadable store gives no lineage; the versions themselves are still there to serve.
        return {}


def _producer(store, artifact_id: int) -> Optional[int]:
    events = [e for e in store.get_events_by_artifact_ids([artifact_id]) if e.type in _OUTPUT]
    return min(e.execution_id for e in events) if events else None


def _artifacts(store, execution_id: int, types, key: str) -> List:
    events = store.get_events_by_execution_ids([execution_id])
    ids = [e.artifact_id for e in events if e.type in types and e.path.steps and e.path.steps[0].key == key]
    return list(store.get_artifacts_by_id(ids)) if ids else []


def _metrics(evaluation_uri: str) -> Dict[str, float]:
    try:
        return evaluation.overall_metrics(evaluation_uri)
    except (OSError, ImportError, evaluation.CorruptRecordError):
        # Lost or damaged Evaluator output: the version is still there to serve, without metrics.
        return {}


def _facts(store, pushed_id: int) -> Optional[Facts]:
    pusher = _producer(store, pushed_id)
    if pusher is None:
        return None
    run = next((c for c in store.get_contexts_by_execution(pusher) if c.type == "pipeline_run"), None)
    blessings = _artifacts(store, pusher, _INPUT, "model_blessing")
    blessed = not blessings or mlmd.custom_property(blessings[0], "blessed") == 1
    metrics: Dict[str, float] = {}
    evaluator = _producer(store, blessings[0].id) if blessings else None
    if evaluator is not None:
        evaluations = _artifacts(store, evaluator, _OUTPUT, "evaluation")
        metrics = _metrics(evaluations[0].uri) if evaluations else {}
    fingerprint = mlmd.run_facts(run).get("data_fingerprint") if run is not None else None
    return Facts(
        found=True,
        blessed=blessed,
        pipeline_run=run.name if run is not None else None,
        data_fingerprint=str(fingerprint) if fingerprint else None,
        metrics=metrics,
    )
