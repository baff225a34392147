"""The end-of-run summary: verdict, metrics against thresholds, where the model went, the tracked run."""

from typing import Any, Dict, List, Optional

from pipeline import mlmd
from pipeline.config import PipelineConfig
from pipeline.report.tracking import describe, tracking_info
from pipeline.report.verdict import AUC, METRIC, TRIVIAL_AUC, Verdict, bars_of, read_verdict


def render(
    config: PipelineConfig,
    run_id: str,
    nodes: Dict[str, mlmd.NodeRun],
    wall_seconds: float,
    tracked: Optional[Dict[str, Any]] = None,
) -> str:
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
        verdict.bars = bars_of(blessing)
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
            if pusher.status == "executed":
                lines.append(
                    "  it is the staging version: `vtx smoke` tries it, then `vtx promote` makes it production"
                )
        elif mlmd.custom_property(pushed, "unchanged_version") is not None:
            version = mlmd.custom_property(pushed, "unchanged_version")
            lines.append(f"Model: unchanged: version {version} already holds this model; nothing pushed: {destination}")
        else:
            lines.append("Model: not pushed (not blessed).")
    lines += tracking_lines(nodes.get("Trainer"), tracked)
    return "\n".join(lines)


# `vtx run --fail-if-not-blessed`'s exit status for a finished run whose model is not blessed.
NOT_BLESSED = 3


def exit_code(nodes: Dict[str, mlmd.NodeRun], fail_if_not_blessed: bool) -> int:
    """0 for a finished run, or NOT_BLESSED when asked to fail on a verdict that is not BLESSED."""
    return NOT_BLESSED if fail_if_not_blessed and blessed(nodes) is False else 0


def blessed(nodes: Dict[str, mlmd.NodeRun]) -> Optional[bool]:
    """Whether this run's Evaluator blessed the model; None when it did not run."""
    evaluator = nodes.get("Evaluator")
    if evaluator is None or not evaluator.outputs.get("blessing"):
        return None
    return mlmd.custom_property(evaluator.outputs["blessing"][0], "blessed") == 1


def _verdict_lines(config: PipelineConfig, verdict: Verdict) -> List[str]:
    """The verdict, the accuracy against the bars in force (as the Evaluator recorded them), slices, failures."""
    bars = verdict.bars
    threshold = bars.get("accuracy", config.evaluation.accuracy_threshold)
    drop = bars.get("allowed_drop", config.evaluation.max_accuracy_drop)
    lines = [f"Verdict: {'BLESSED' if verdict.blessed else 'NOT BLESSED'}"]
    if verdict.overall is not None:
        baseline = (
            f"baseline {verdict.baseline:.3f} (allowed drop {drop:.3f})"
            if verdict.baseline is not None
            else f"no baseline yet (first blessed model of dataset {config.dataset.name})"
        )
        lines.append(f"  {METRIC:<10} {verdict.overall:.3f}  threshold >= {threshold:.3f}  {baseline}")
    if "eval_examples" in bars:
        lines.append(
            f"  {'trivial':<10} {bars.get('trivial_accuracy', 0.0):.3f}  always answering "
            f"'{bars.get('trivial_class', '?')}', the training split's most frequent class"
        )
    if verdict.auc is not None:
        lines.append(f"  {AUC:<10} {verdict.auc:.3f}  the trivial model's is {TRIVIAL_AUC:.3f} (ranking at random)")
    for name, value in verdict.by_slice:
        lines.append(f"  {'':<10} {value:.3f}  {name}")
    if "eval_examples" in bars:
        lines.append(
            f"  judged on {int(bars['eval_examples'])} eval examples: changes under {drop:.3f} are within "
            "sampling error"
        )
    lines += [f"  FAILED: {failure}" for failure in verdict.failures]
    return lines


def tracking_lines(trainer: Optional[mlmd.NodeRun], tracked: Optional[Dict[str, Any]]) -> List[str]:
    """Where the run is tracked and how to open it; one warning line per step whose tracker failed."""
    info = tracking_info(trainer) if trainer is not None and trainer.status == "executed" else None
    lines = []
    if info and info.get("warning"):
        lines.append(f"Tracking warning (Trainer): {info['warning']}")
    if tracked and tracked.get("warning"):
        lines.append(f"Tracking warning: {tracked['warning']}")
    elif tracked and tracked.get("backend") not in (None, "none"):
        lines.append(f"Tracking: {describe({**(info or {}), **tracked, 'warning': None})}")
    elif info:
        lines.append(f"Tracking: {describe({**info, 'warning': None})}")
    return lines
