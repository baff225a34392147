"""The Summary section: the verdict and its reasons, key metrics, and where the run's facts are."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from pipeline import mlmd
from pipeline.report import tracking
from pipeline.report.evaluation import EvaluationSection
from pipeline.report.model_info import ModelSection
from pipeline.report.timeline import Timeline
from pipeline.report.validation import ValidationSection

# verdict -> the headline a reader sees.
HEADLINES = {
    "pushed": "Blessed and pushed",
    "already-pushed": "Blessed; this model was already pushed by an earlier run",
    "blessed": "Blessed, not pushed",
    "not-blessed": "Not blessed",
    "stopped-at-validation": "Stopped at validation",
    "failed": "Failed",
    "incomplete": "Incomplete",
}


@dataclass
class Overview:
    run_id: str
    verdict: str
    headline: str
    reasons: List[str] = field(default_factory=list)
    version: Optional[str] = None
    destination: Optional[str] = None
    metrics: List[Tuple[str, str]] = field(default_factory=list)
    facts: Dict[str, str] = field(default_factory=dict)
    tracking: str = "no tracked run: the Trainer did not run"
    tracking_url: Optional[str] = None


def decide(
    nodes: Dict[str, mlmd.NodeRun],
    validation: ValidationSection,
    evaluation: EvaluationSection,
    model: ModelSection,
) -> Tuple[str, List[str]]:
    """The verdict key and the reasons behind it."""
    if validation.status == "failed":
        return "stopped-at-validation", [f"[{a.split}] {a.feature}: {a.description}" for a in validation.anomalies]
    failed = [node.node_id for node in nodes.values() if node.status == "failed"]
    if failed:
        return "failed", [f"{failed[0]} failed; its log names the error"]
    if evaluation.ran and evaluation.blessed:
        if model.pushed:
            return ("pushed" if model.pushed_now else "already-pushed"), ["every threshold was met"]
        return "blessed", ["every threshold was met, but no Pusher ran"]
    if evaluation.ran:
        return "not-blessed", evaluation.reasons
    return "incomplete", ["the run stopped before the Evaluator decided"]


def _key_metrics(evaluation: EvaluationSection, timeline: Timeline) -> List[Tuple[str, str]]:
    found = []
    overall = next((row for row in evaluation.slices if row.name == "overall"), None)
    if overall is not None and overall.candidate is not None:
        found.append((f"{evaluation.metric} (eval)", f"{overall.candidate:.3f}"))
        if overall.baseline is not None:
            found.append((f"baseline {evaluation.metric}", f"{overall.baseline:.3f}"))
        if overall.examples is not None:
            found.append(("eval examples", str(overall.examples)))
    found.append(("total time", f"{timeline.total_seconds:.1f} s"))
    found.append(("components", f"{timeline.executed} executed, {timeline.cached} cached"))
    return found


def _tracking(nodes: Dict[str, mlmd.NodeRun]) -> Tuple[str, Optional[str]]:
    info = tracking.tracking_info(nodes.get("Trainer"))
    url = str(info.get("open")) if info and str(info.get("open", "")).startswith("https://") else None
    return tracking.describe(info), url


def extract(
    run_id: str,
    nodes: Dict[str, mlmd.NodeRun],
    facts: Dict[str, object],
    sections: Tuple[Timeline, ValidationSection, EvaluationSection, ModelSection],
) -> Overview:
    timeline, validation, evaluation, model = sections
    verdict, reasons = decide(nodes, validation, evaluation, model)
    tracked, url = _tracking(nodes)
    known: Dict[str, str] = {
        name: str(facts[name]) for name in ("git_commit", "data_fingerprint", "data_root") if name in facts
    }
    return Overview(
        run_id=run_id,
        verdict=verdict,
        headline=HEADLINES[verdict],
        reasons=reasons,
        version=model.version if model.pushed else None,
        destination=model.destination if model.pushed else None,
        metrics=_key_metrics(evaluation, timeline),
        facts=known,
        tracking=tracked,
        tracking_url=url,
    )
