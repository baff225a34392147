"""Small ML Metadata stores with the lineage of a pushed model, made by hand for `vtx monitor` unit tests."""

from pathlib import Path
from typing import Dict, Optional

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

_OUT, _IN = mlmd.Event.OUTPUT, mlmd.Event.INPUT


class LineageStore:
    """A writable store; `chain` records what a real run records, from examples to a pushed model."""

    def __init__(self, path: Path):
        config = mlmd.ConnectionConfig()
        config.sqlite.filename_uri = str(path)
        config.sqlite.connection_mode = mlmd.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        self.store = metadata_store.MetadataStore(config)
        self.run_type = self.store.put_context_type(mlmd.ContextType(name="pipeline_run"))

    def artifact(self, type_name: str, uri: str, **properties) -> mlmd.Artifact:
        type_id = self.store.put_artifact_type(mlmd.ArtifactType(name=type_name))
        artifact = mlmd.Artifact(type_id=type_id, uri=uri, state=mlmd.Artifact.LIVE)
        for name, value in properties.items():
            target = artifact.custom_properties[name]
            if isinstance(value, int):
                target.int_value = value
            else:
                target.string_value = value
        [artifact.id] = self.store.put_artifacts([artifact])
        return artifact

    def execution(self, type_name: str, inputs: Dict[str, mlmd.Artifact], outputs: Dict[str, mlmd.Artifact], run: str):
        type_id = self.store.put_execution_type(mlmd.ExecutionType(name=type_name))
        execution = mlmd.Execution(type_id=type_id, last_known_state=mlmd.Execution.COMPLETE)
        pairs = [
            (a, self._event(kind, key)) for kind, side in ((_IN, inputs), (_OUT, outputs)) for key, a in side.items()
        ]
        context = self.store.get_context_by_type_and_name("pipeline_run", run)
        if context is None:
            context = mlmd.Context(type_id=self.run_type, name=run)
        self.store.put_execution(execution, pairs, [context], reuse_context_if_already_exist=True)

    @staticmethod
    def _event(kind: int, key: str) -> mlmd.Event:
        event = mlmd.Event(type=kind)
        event.path.steps.add().key = key
        event.path.steps.add().index = 0
        return event

    def chain(self, root: Path, version: str, run: str = "run-1", broken_at: Optional[str] = None) -> Dict[str, str]:
        """Examples → StatisticsGen, SchemaGen → Transform → Trainer → Pusher; `broken_at` leaves one execution out."""
        uris = {name: str(root / name) for name in ("examples", "statistics", "schema", "graph", "model", "pushed")}
        examples = self.artifact("Examples", uris["examples"])
        statistics = self.artifact("ExampleStatistics", uris["statistics"])
        schema = self.artifact("Schema", uris["schema"])
        graph = self.artifact("TransformGraph", uris["graph"])
        model = self.artifact("Model", uris["model"])
        pushed = self.artifact(
            "PushedModel", uris["pushed"], pushed=1, pushed_version=version, pushed_destination=str(root / version)
        )
        steps = [
            ("StatisticsGen", {"examples": examples}, {"statistics": statistics}),
            ("SchemaGen", {"statistics": statistics}, {"schema": schema}),
            ("Transform", {"examples": examples, "schema": schema}, {"transform_graph": graph}),
            ("Trainer", {"transform_graph": graph, "schema": schema}, {"model": model}),
            ("Pusher", {"model": model}, {"pushed_model": pushed}),
        ]
        for name, inputs, outputs in steps:
            if name != broken_at:
                self.execution(name, inputs, outputs, run)
        return uris
