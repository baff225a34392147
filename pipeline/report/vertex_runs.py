"""Reads a Vertex AI pipeline job into the same run record as a local run: tasks from the API, artifacts from GCS."""

import hashlib
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from ml_metadata.proto import metadata_store_pb2

from pipeline import mlmd
from pipeline.config import PipelineConfig
from pipeline.report.runs import ReportError, RunRecord

# The artifacts the report reads; the examples and transformed data stay where they are.
READ_KEYS = {
    "statistics",
    "schema",
    "anomalies",
    "evaluation",
    "best_hyperparameters",
    "tuner_results",
    "model",
    "model_run",
}
_STATUS = {"SUCCEEDED": "executed", "FAILED": "failed", "RUNNING": "running", "PENDING": "running"}
_STATUS.update(CANCELLED="canceled", CANCELLING="canceled", SKIPPED="cached")
# Kubeflow V2 compiles the Resolver into two tasks named after it.
RESOLVER = "Resolver"


def load(config: PipelineConfig, job_id: Optional[str], cache_dir: Optional[Path] = None) -> RunRecord:
    """The job (latest of this pipeline by default) as a RunRecord whose artifact URIs are local copies."""
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions

    from pipeline.vertex import submit as vertex_submit

    vertex = config.vertex
    if vertex is None:
        raise ValueError("reading a Vertex AI run needs the vertex settings")
    try:
        job = _find_job(config, job_id)
    except auth_exceptions.DefaultCredentialsError:
        raise ReportError(
            "no Google credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS"
        ) from None
    except exceptions.NotFound:
        raise ReportError(f"no pipeline job '{job_id}' in project {vertex.project}, region {vertex.region}") from None
    except exceptions.GoogleAPICallError as error:
        raise ReportError(str(vertex_submit.explain(error, "reading the pipeline job", config))) from None
    cache = cache_dir or Path(tempfile.mkdtemp(prefix="vtx-report-"))
    return _record(config, job, _Downloader(cache))


def _find_job(config: PipelineConfig, job_id: Optional[str]):
    from google.cloud import aiplatform

    from pipeline.vertex import submit as vertex_submit

    vertex = config.vertex
    assert vertex is not None
    credentials = vertex_submit.init_aiplatform(vertex, vertex.api_endpoint)
    if job_id:
        name = f"projects/{vertex.project}/locations/{vertex.region}/pipelineJobs/{job_id}"
        return aiplatform.PipelineJob.get(resource_name=name, credentials=credentials).gca_resource
    jobs = aiplatform.PipelineJob.list(filter=f'display_name="{config.pipeline_name}"', credentials=credentials)
    if not jobs:
        raise ReportError(
            f"no pipeline job of '{config.pipeline_name}' in project {vertex.project}, region {vertex.region} yet; "
            "submit one with `vtx submit`"
        )
    latest = max((job.gca_resource for job in jobs), key=lambda gca: gca.create_time)
    # A listed job carries no task details: get it whole.
    return aiplatform.PipelineJob.get(resource_name=latest.name, credentials=credentials).gca_resource


class _Downloader:
    """Local copies of gs:// artifact folders, one per URI, so TFDV, TFMA and TensorFlow read them as files."""

    def __init__(self, root: Path):
        self.root = root
        self._done: Dict[str, str] = {}

    def local(self, uri: str) -> str:
        if not uri.startswith("gs://"):
            return uri
        if uri not in self._done:
            from components import gcs_copy

            target = self.root / hashlib.sha256(uri.encode()).hexdigest()[:16]
            target.mkdir(parents=True, exist_ok=True)
            gcs_copy.download_prefix(uri, target)
            self._done[uri] = str(target)
        return self._done[uri]


def _artifact(raw: Any, key: str, downloader: Optional[_Downloader]) -> metadata_store_pb2.Artifact:
    read = downloader is not None and key in READ_KEYS
    artifact = metadata_store_pb2.Artifact(uri=downloader.local(raw.uri) if read and downloader else raw.uri)
    for name, value in dict(raw.metadata).items():
        slot = artifact.custom_properties[name]
        if isinstance(value, bool) or (isinstance(value, float) and value.is_integer()):
            slot.int_value = int(value)
        elif isinstance(value, (int, float)):
            slot.double_value = float(value)
        elif isinstance(value, str):
            slot.string_value = value
    return artifact


def _artifacts(lists: Any, downloader: Optional[_Downloader]) -> Dict[str, List[metadata_store_pb2.Artifact]]:
    return {key: [_artifact(raw, key, downloader) for raw in found.artifacts] for key, found in lists.items()}


def _executor_classes(job) -> Dict[str, str]:
    """Task name -> the executor class path in the compiled spec (it names the curated schema component)."""
    spec = dict(job.pipeline_spec) if job.pipeline_spec else {}
    found = {}
    for label, executor in dict(spec.get("deploymentSpec", {}).get("executors", {})).items():
        args = list(dict(executor).get("container", {}).get("args", []))
        if "--executor_class_path" in args[:-1]:
            path = args[args.index("--executor_class_path") + 1]
            found[label.removesuffix("_executor")] = path.removesuffix("_Executor")
    return found


def _nodes(tasks: Iterable[Any], classes: Dict[str, str], downloader: _Downloader) -> Dict[str, mlmd.NodeRun]:
    nodes: Dict[str, mlmd.NodeRun] = {}
    for task in sorted(tasks, key=lambda t: t.start_time or t.create_time):
        name = task.task_name
        node_id = RESOLVER if name.startswith(RESOLVER + "-") else name
        if node_id != RESOLVER and node_id not in classes:
            continue  # the pipeline's own root task, or a task of a different spec
        status = _STATUS.get(task.state.name)
        if status is None:
            continue  # not triggered: the job stopped before it
        if status == "executed" and task.execution.state.name == "CACHED":
            status = "cached"
        started, ended = task.start_time, task.end_time or task.start_time
        node = nodes.get(node_id) or mlmd.NodeRun(
            node_id,
            "resolved" if node_id == RESOLVER and status in ("executed", "cached") else status,
            0.0,
            started_ms=int(started.timestamp() * 1000) if started else 0,
            execution_type=classes.get(node_id, ""),
        )
        if started and ended:
            node.seconds += (ended - started).total_seconds()
        # The Resolver's baseline model is read by the Evaluator's results, not by the report.
        reads = None if node_id == RESOLVER else downloader
        node.inputs.update(_artifacts(task.inputs, reads))
        node.outputs.update(_artifacts(task.outputs, reads))
        nodes[node_id] = node
    return nodes


def _record(config: PipelineConfig, job, downloader: _Downloader) -> RunRecord:
    job_id = job.name.rsplit("/", 1)[-1]
    nodes = _nodes(job.job_detail.task_details, _executor_classes(job), downloader)
    if not nodes:
        raise ReportError(f"pipeline job '{job_id}' ({job.state.name}) has no finished task of this pipeline yet")
    facts: Dict[str, object] = {}
    labels = dict(job.labels)
    if labels.get("git_commit"):
        facts["git_commit"] = labels["git_commit"]
    parameters = dict(job.runtime_config.parameter_values)
    facts["data_root"] = parameters.get("data_root", config.data_root)
    if job.start_time and job.end_time:
        facts["wall_seconds"] = round((job.end_time - job.start_time).total_seconds(), 1)
    started = job.start_time or job.create_time
    return RunRecord(
        run_id=job_id,
        pipeline_name=config.pipeline_name,
        metadata_path=job.name,
        started=started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        nodes=nodes,
        facts=facts,
    )
