"""Finds the run to report on in the local ML Metadata: the latest one, or one named by its id."""

import datetime
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from pipeline import mlmd


class ReportError(Exception):
    """A missing or empty store, or an unknown run; the message is what the user reads."""


@dataclass
class RunRecord:
    """One pipeline run: its nodes as ML Metadata recorded them, and the facts `vtx run` added."""

    run_id: str
    pipeline_name: str
    metadata_path: str
    started: str
    nodes: Dict[str, mlmd.NodeRun] = field(default_factory=dict)
    facts: Dict[str, object] = field(default_factory=dict)


def _contexts(metadata_path: str):
    from ml_metadata import errors

    if not os.path.isfile(metadata_path) or os.path.getsize(metadata_path) == 0:
        raise ReportError(f"no ML Metadata at {metadata_path}; run `vtx run` first (or pass --output)")
    try:
        store = mlmd.open_store(metadata_path)
        return store, mlmd.pipeline_runs(store)
    except (errors.StatusError, RuntimeError) as error:
        # MLMD quotes the SQL it tried; the reason is what comes before it.
        reason = str(error).removeprefix("Error when executing query: ").split(" query:", 1)[0]
        # A read-only open of a database without MLMD's tables fails on creating them.
        reason = "it has no ML Metadata tables" if "readonly database" in reason else reason
        raise ReportError(f"{metadata_path} is not a readable ML Metadata store: {reason}") from None


def _pick(runs: List, run_id: Optional[str], metadata_path: str):
    if not runs:
        raise ReportError(f"ML Metadata at {metadata_path} holds no pipeline run yet; run `vtx run` first")
    if run_id is None:
        return runs[-1]
    for run in runs:
        if run.name == run_id:
            return run
    latest = ", ".join(run.name for run in runs[-3:][::-1])
    raise ReportError(f"no run '{run_id}' in {metadata_path}; the latest runs are: {latest}")


def load(metadata_path: str, pipeline_name: str, run_id: Optional[str] = None) -> RunRecord:
    """The run and its nodes; raises ReportError with one readable line when there is none."""
    store, runs = _contexts(metadata_path)
    run = _pick(runs, run_id, metadata_path)
    nodes = mlmd.node_runs(store, pipeline_name, run.name)
    if not nodes:
        raise ReportError(f"run '{run.name}' in {metadata_path} has no execution of pipeline '{pipeline_name}'")
    started = datetime.datetime.fromtimestamp(run.create_time_since_epoch / 1000.0).astimezone()
    return RunRecord(
        run_id=run.name,
        pipeline_name=pipeline_name,
        metadata_path=metadata_path,
        started=started.strftime("%Y-%m-%d %H:%M:%S %Z"),
        nodes=nodes,
        facts=mlmd.run_facts(run),
    )
