"""ML Metadata, read one way everywhere: runs, their nodes and artifacts (store), and model lineage (lineage)."""

from pipeline.mlmd.store import (
    RUN_FACTS,
    NodeRun,
    custom_property,
    node_runs,
    open_store,
    pipeline_runs,
    record_run_facts,
    run_facts,
)

__all__ = [
    "RUN_FACTS",
    "NodeRun",
    "custom_property",
    "node_runs",
    "open_store",
    "pipeline_runs",
    "record_run_facts",
    "run_facts",
]
