"""After a local run: its outcome (evaluation, verdict, pushed version, MLMD run) added to its tracked run.

modules/ owns the trackers; the pipeline names the tracking module by path (modules.tracking), as it names
run_fn, and imports it only at run time, after the DAG ran (pipeline/tracking/worker.py).
"""

from typing import Any, Callable, Dict, Optional

from pipeline import mlmd
from pipeline.config import PipelineConfig
from pipeline.report.verdict import METRIC, read_verdict
from pipeline.tracking import worker


def outcome(run_id: str, nodes: Dict[str, mlmd.NodeRun], failed: bool) -> Dict[str, Any]:
    """The metrics (the Evaluator's accuracy, overall and per slice) and tags only the end of a run knows."""
    metrics: Dict[str, float] = {}
    tags: Dict[str, str] = {"vtx.mlmd_run_id": run_id, "vtx.verdict": "FAILED" if failed else "INCOMPLETE"}
    evaluator, pusher = nodes.get("Evaluator"), nodes.get("Pusher")
    if evaluator and evaluator.outputs.get("evaluation"):
        blessed = mlmd.custom_property(evaluator.outputs["blessing"][0], "blessed") == 1
        verdict = read_verdict(evaluator.outputs["evaluation"][0].uri, blessed)
        tags["vtx.verdict"] = "BLESSED" if blessed else "NOT BLESSED"
        if verdict.overall is not None:
            metrics[f"eval.{METRIC}"] = verdict.overall
        if verdict.baseline is not None:
            metrics[f"eval.baseline_{METRIC}"] = verdict.baseline
        for name, value in verdict.by_slice:
            metrics[f"eval.{METRIC}.{_metric_name(name)}"] = value
    if pusher and pusher.outputs.get("pushed_model"):
        pushed = pusher.outputs["pushed_model"][0]
        if mlmd.custom_property(pushed, "pushed") == 1:
            tags["vtx.pushed_version"] = str(mlmd.custom_property(pushed, "pushed_version"))
    return {"metrics": metrics, "tags": tags, "failed": failed}


def _metric_name(slice_name: str) -> str:
    # MLflow metric names take letters, digits, _ - . / and spaces; slices read `island = Biscoe`.
    return "".join(c if c.isalnum() or c in "_-./" else "_" for c in slice_name.replace(" = ", "=")).replace("=", "_")


def record(
    config: PipelineConfig,
    run_id: str,
    nodes: Dict[str, mlmd.NodeRun],
    failed: bool,
    ahead: Callable[[Dict[str, Any]], Optional[Dict[str, Any]]] = lambda job: None,
) -> Dict[str, Any]:
    """Records the outcome on the run's tracked run; where it is, or a warning. Never raises.

    `ahead` is the tracker process made ready while the run ran (pipeline/local/tracker_ahead.py): it records
    the job and returns its answer, or None when it cannot, and then the outcome is recorded here.
    """
    if config.tracking.backend == "none":
        return {"backend": "none"}
    try:
        job: Dict[str, Any] = {"run_id": run_id, "outcome": outcome(run_id, nodes, failed)}
    except Exception as error:  # noqa: BLE001 - a tracker never fails a run; the summary says what happened
        return worker.warning(config.tracking.backend, error)
    return ahead(job) or worker.record(config.modules.tracking, config.tracking_settings(), run_id, job["outcome"])
