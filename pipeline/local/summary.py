"""The end-of-run summary: verdict, metrics against thresholds, where the model went, Neptune."""

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from pipeline import mlmd
from pipeline.config import PipelineConfig

METRIC = "accuracy"


@dataclass
class Verdict:
    """What the Evaluator decided and why, read from its artifacts."""

    blessed: Optional[bool] = None
    overall: Optional[float] = None
    baseline: Optional[float] = None
    by_slice: List[Tuple[str, float]] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)


def slice_name(slice_key) -> str:
    """'island=Biscoe' for a one-feature slice, '' for the overall slice."""
    parts = []
    for key in slice_key.single_slice_keys:
        value = getattr(key, key.WhichOneof("kind"))
        parts.append(f"{key.column}={value.decode() if isinstance(value, bytes) else value}")
    return ", ".join(parts)


def read_verdict(evaluation_uri: str, blessed: Optional[bool]) -> Verdict:
    """Reads the candidate's and baseline's accuracy per slice and the failed thresholds, once each."""
    import tensorflow_model_analysis as tfma

    verdict = Verdict(blessed=blessed)
    by_slice: Dict[str, float] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        name = slice_name(per_slice.slice_key)
        for item in per_slice.metric_keys_and_values:
            if item.key.name != METRIC or item.key.is_diff:
                continue
            value = item.value.double_value.value
            if item.key.model_name == "baseline":
                if not name:
                    verdict.baseline = value
            elif name:
                by_slice[name] = value
            else:
                verdict.overall = value
    verdict.by_slice = sorted(by_slice.items())
    for per_slice in tfma.load_validation_result(evaluation_uri).metric_validations_per_slice:
        where = slice_name(per_slice.slice_key) or "overall"
        verdict.failures += [_describe_failure(where, failure) for failure in per_slice.failures]
    return verdict


def _describe_failure(where: str, failure) -> str:
    name = failure.metric_key.name
    value = failure.metric_value.double_value.value
    threshold = failure.metric_threshold
    if failure.metric_key.is_diff:
        allowed = threshold.change_threshold.absolute.value
        return f"{name} ({where}) changed by {value:+.3f} against the baseline; the allowed change is >= {allowed:+.3f}"
    bound = threshold.value_threshold.lower_bound.value
    return f"{name} ({where}) is {value:.3f}, below the threshold {bound:.3f} by {bound - value:.3f}"


def render(config: PipelineConfig, run_id: str, nodes: Dict[str, mlmd.NodeRun], wall_seconds: float) -> str:
    """The summary text printed at the end of `vtx run`."""
    executed = [n for n in nodes.values() if n.status == "executed" and n.node_id != "Resolver"]
    cached = [n for n in nodes.values() if n.status == "cached"]
    lines = [
        f"Run {run_id}: {wall_seconds:.1f} s, {len(executed)} components executed, {len(cached)} cached.",
    ]
    evaluator, pusher = nodes.get("Evaluator"), nodes.get("Pusher")
    if evaluator and evaluator.outputs.get("evaluation"):
        blessing = evaluator.outputs["blessing"][0]
        blessed = mlmd.custom_property(blessing, "blessed") == 1
        verdict = read_verdict(evaluator.outputs["evaluation"][0].uri, blessed)
        lines += _verdict_lines(config, verdict)
    if pusher and pusher.outputs.get("pushed_model"):
        pushed = pusher.outputs["pushed_model"][0]
        destination = mlmd.custom_property(pushed, "pushed_destination")
        if mlmd.custom_property(pushed, "pushed") == 1:
            when = (
                "pushed in this run"
                if pusher.status == "executed"
                else "already pushed by an earlier run; nothing pushed now"
            )
            lines.append(f"Model: version {mlmd.custom_property(pushed, 'pushed_version')} {when}: {destination}")
        else:
            lines.append("Model: not pushed (not blessed).")
    lines += _neptune_lines(config, nodes.get("Trainer"))
    return "\n".join(lines)


def _verdict_lines(config: PipelineConfig, verdict: Verdict) -> List[str]:
    threshold = config.evaluation.accuracy_threshold
    lines = [f"Verdict: {'BLESSED' if verdict.blessed else 'NOT BLESSED'}"]
    if verdict.overall is not None:
        baseline = (
            f"baseline {verdict.baseline:.3f} (allowed drop {config.evaluation.max_accuracy_drop:.3f})"
            if verdict.baseline is not None
            else "no baseline yet (first blessed model)"
        )
        lines.append(f"  {METRIC:<10} {verdict.overall:.3f}  threshold >= {threshold:.3f}  {baseline}")
    for name, value in verdict.by_slice:
        lines.append(f"  {'':<10} {value:.3f}  {name}")
    lines += [f"  FAILED: {failure}" for failure in verdict.failures]
    return lines


def neptune_info(trainer: Optional[mlmd.NodeRun]) -> Optional[Dict[str, Optional[str]]]:
    """Where the Trainer's Neptune run went (mode, url, offline_dir), from its model_run artifact."""
    if not trainer or not trainer.outputs.get("model_run"):
        return None
    path = os.path.join(trainer.outputs["model_run"][0].uri, "neptune.json")
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def _neptune_lines(config: PipelineConfig, trainer: Optional[mlmd.NodeRun]) -> List[str]:
    info = neptune_info(trainer)
    if info is None:
        return []
    if info.get("url"):
        return [f"Neptune: {info['url']}"]
    if info.get("mode") == "offline":
        return [
            f"Neptune: offline run stored under {info.get('offline_dir')}",
            f"  upload it with: neptune sync --path {config.output_root} --project WORKSPACE/PROJECT",
        ]
    return [f"Neptune: logging off (NEPTUNE_MODE={info.get('mode')})"]
