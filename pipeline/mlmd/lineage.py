"""Lineage of pushed models through ML Metadata, never by path: their run, blessing, metrics and training data."""

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components import evaluation
from pipeline.mlmd.store import (
    INPUT_EVENTS,
    OUTPUT_EVENTS,
    custom_property,
    linked,
    open_store,
    producer,
    readers_of,
    run_of,
)
from pipeline.mlmd.store import run_facts as stored_run_facts

PUSHED_MODEL = "PushedModel"


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
    # The examples (train and eval splits) the model was trained and evaluated on.
    examples_uri: str = ""

    @property
    def schema_file(self) -> str:
        return os.path.join(self.schema_uri, "schema.pbtxt")


@dataclass(frozen=True)
class Facts:
    """A version's lineage; `found` is False when ML Metadata has no record of its push (yet)."""

    found: bool
    blessed: bool = True
    pipeline_run: Optional[str] = None
    data_fingerprint: Optional[str] = None
    metrics: Dict[str, float] = field(default_factory=dict)


def pushed_versions(store: metadata_store.MetadataStore) -> List[metadata_store_pb2.Artifact]:
    """Every PushedModel artifact that was pushed, oldest version first."""
    if not any(t.name == PUSHED_MODEL for t in store.get_artifact_types()):
        return []
    pushed = [a for a in store.get_artifacts_by_type(PUSHED_MODEL) if custom_property(a, "pushed") == 1]
    return sorted(pushed, key=lambda a: (str(custom_property(a, "pushed_version")), a.id))


def _has_store(metadata_path: str) -> bool:
    return os.path.isfile(metadata_path) and os.path.getsize(metadata_path) > 0


def _open(metadata_path: str) -> Tuple[metadata_store.MetadataStore, List[metadata_store_pb2.Artifact]]:
    from ml_metadata import errors

    try:
        store = open_store(metadata_path)
        return store, pushed_versions(store)
    except (errors.StatusError, RuntimeError) as error:
        # MLMD quotes the SQL it tried; the reason comes before it. Read-only, a file without MLMD's tables
        # fails on creating them.
        reason = str(error).removeprefix("Error when executing query: ").split(" query:", 1)[0]
        reason = "it has no ML Metadata tables" if "readonly database" in reason else reason
        raise LineageError(f"{metadata_path} is not a readable ML Metadata store: {reason}") from None


def _step(store, artifact, key: str, what: str, version: str) -> metadata_store_pb2.Artifact:
    """The input `key` of the execution that produced `artifact`."""
    execution = producer(store, artifact.id)
    found = linked(store, execution.id, key, INPUT_EVENTS) if execution else []
    if not found:
        raise LineageError(f"model version {version} has no lineage in ML Metadata: no {what} recorded for it")
    return found[0]


def _statistics(store, examples: metadata_store_pb2.Artifact, version: str) -> metadata_store_pb2.Artifact:
    """The statistics StatisticsGen computed over the examples the model's Transform read."""
    for execution_id in readers_of(store, examples.id):
        statistics = linked(store, execution_id, "statistics", OUTPUT_EVENTS)
        if statistics:
            return statistics[0]
    raise LineageError(f"model version {version} has no lineage in ML Metadata: no statistics of its training examples")


def find(metadata_path: str, version: Optional[str]) -> Lineage:
    """The pushed model `version` (default: the latest pushed) and its training statistics and schema."""
    if not _has_store(metadata_path):
        raise LineageError(f"no ML Metadata at {metadata_path}; run `vtx run` first (or pass --output)")
    store, pushed = _open(metadata_path)
    if not pushed:
        raise LineageError(
            f"ML Metadata at {metadata_path} records no pushed model; run `vtx run` until one is blessed"
        )
    by_version = {str(custom_property(a, "pushed_version")): a for a in pushed}
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
    trainer = producer(store, model.id)
    run = run_of(store, trainer.id) if trainer else None
    return Lineage(
        version=version,
        destination=str(custom_property(artifact, "pushed_destination") or ""),
        model_uri=model.uri,
        schema_uri=schema.uri,
        statistics_uri=statistics.uri,
        run_id=run.name if run is not None else "",
        examples_uri=examples.uri,
    )


def lookup(metadata_path: str, versions: Iterable[str]) -> Dict[str, Facts]:
    """Facts of each version whose push ML Metadata records; the others are left out."""
    wanted = set(versions)
    if not wanted or not _has_store(metadata_path):
        return {}
    from ml_metadata import errors

    try:
        store = open_store(metadata_path)
        pushes = [a for a in pushed_versions(store) if custom_property(a, "pushed_version") in wanted]
        facts: Dict[str, Facts] = {}
        for pushed in sorted(pushes, key=lambda a: a.id):
            version = str(custom_property(pushed, "pushed_version"))
            if version not in facts:
                found = _facts(store, pushed.id)
                if found is not None:
                    facts[version] = found
        return facts
    except (errors.StatusError, RuntimeError):
        # An unreadable store gives no lineage; the versions themselves are still there to serve.
        return {}


def _metrics(evaluation_uri: str) -> Dict[str, float]:
    try:
        return evaluation.overall_metrics(evaluation_uri)
    except (OSError, ImportError, evaluation.CorruptRecordError):
        # Lost or damaged Evaluator output: the version is still there to serve, without metrics.
        return {}


def _facts(store, pushed_id: int) -> Optional[Facts]:
    pusher = producer(store, pushed_id)
    if pusher is None:
        return None
    run = run_of(store, pusher.id)
    blessings = linked(store, pusher.id, "model_blessing", INPUT_EVENTS)
    blessed = not blessings or custom_property(blessings[0], "blessed") == 1
    metrics: Dict[str, float] = {}
    evaluator = producer(store, blessings[0].id) if blessings else None
    if evaluator is not None:
        evaluations = linked(store, evaluator.id, "evaluation", OUTPUT_EVENTS)
        metrics = _metrics(evaluations[0].uri) if evaluations else {}
        # The trivial model's accuracy on the same eval split (components/eval_policy.py), beside the model's.
        trivial = custom_property(blessings[0], "bar_trivial_accuracy")
        if trivial is not None:
            metrics["trivial_accuracy"] = float(trivial)
    fingerprint = stored_run_facts(run).get("data_fingerprint") if run is not None else None
    return Facts(
        found=True,
        blessed=blessed,
        pipeline_run=run.name if run is not None else None,
        data_fingerprint=str(fingerprint) if fingerprint else None,
        metrics=metrics,
    )
