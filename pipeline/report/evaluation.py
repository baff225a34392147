"""The Evaluation section: metrics overall and per slice, thresholds, the baseline, and the blessing."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from components import evaluation
from pipeline import mlmd
from pipeline.report.verdict import METRIC, TRIVIAL_CLASS, bars_of, read_verdict

COUNT = "example_count"


@dataclass
class SliceMetrics:
    """One slice ('overall' or 'island=Dream'): the candidate's metric, the baseline's, and the change."""

    name: str
    examples: Optional[int] = None
    candidate: Optional[float] = None
    baseline: Optional[float] = None
    change: Optional[float] = None


@dataclass
class Threshold:
    metric: str
    slice: str
    rule: str


@dataclass
class EvaluationSection:
    """`ran` is False when the run stopped before the Evaluator produced an evaluation."""

    ran: bool = False
    status: str = "not run"
    metric: str = METRIC
    blessed: Optional[bool] = None
    reasons: List[str] = field(default_factory=list)
    slices: List[SliceMetrics] = field(default_factory=list)
    thresholds: List[Threshold] = field(default_factory=list)
    baseline_model: Optional[str] = None
    candidate_model: Optional[str] = None
    evaluation_uri: Optional[str] = None
    # The trivial model (always the training split's most frequent class): its answer and its accuracy on eval.
    trivial_class: Optional[str] = None
    trivial_accuracy: Optional[float] = None
    # For two classes: the model's AUC (the trivial model's is 0.5).
    auc: Optional[float] = None


def _slice_label(spec) -> str:
    keys = list(spec.feature_keys) + [f"{k}={v}" for k, v in sorted(spec.feature_values.items())]
    return ", ".join(keys) or "overall"


def thresholds_of(eval_config) -> List[Threshold]:
    """Every value and change threshold of the eval config, in words."""
    import json

    found: List[Threshold] = []
    for spec in eval_config.metrics_specs:
        for metric in spec.metrics:
            name = json.loads(metric.config or "{}").get("name") or metric.class_name
            pairs = [("every slice", metric.threshold)] if metric.HasField("threshold") else []
            pairs += [(_slice_label(s), t.threshold) for t in metric.per_slice_thresholds for s in t.slicing_specs]
            found += [Threshold(name, where, rule) for where, threshold in pairs for rule in _rules(threshold)]
    return found


def _rules(threshold) -> List[str]:
    rules = []
    value = threshold.value_threshold
    if value.HasField("lower_bound"):
        rules.append(f">= {value.lower_bound.value:.3f}")
    if value.HasField("upper_bound"):
        rules.append(f"<= {value.upper_bound.value:.3f}")
    change = threshold.change_threshold
    if change.HasField("absolute"):
        rules.append(f"change against the baseline >= {change.absolute.value:+.3f}")
    if change.HasField("relative"):
        rules.append(f"relative change against the baseline >= {change.relative.value:+.3f}")
    return rules


def slice_metrics(evaluation_uri: str, metric: str) -> List[SliceMetrics]:
    """The metric and the example count per slice, candidate and baseline, overall first."""
    rows: Dict[str, SliceMetrics] = {}
    for item in evaluation.metric_values(evaluation_uri):
        row = rows.setdefault(item.slice or "overall", SliceMetrics(item.slice or "overall"))
        if item.name == COUNT and not item.is_diff and not item.baseline:
            row.examples = int(item.value)
        elif item.name == metric and item.is_diff:
            row.change = item.value
        elif item.name == metric:
            row.candidate, row.baseline = (row.candidate, item.value) if item.baseline else (item.value, row.baseline)
    return sorted(rows.values(), key=lambda r: (r.name != "overall", r.name))


def _models(evaluation_uri: str) -> Tuple[Optional[object], Dict[str, str]]:
    """The eval config and model locations TFMA wrote (as its eval_config_writer.load_eval_run reads them)."""
    run = evaluation.eval_run(evaluation_uri)
    return (run.eval_config, dict(run.model_locations)) if run is not None else (None, {})


def extract(nodes: Dict[str, mlmd.NodeRun]) -> EvaluationSection:
    evaluator = nodes.get("Evaluator")
    if evaluator is None or not evaluator.outputs.get("evaluation"):
        return EvaluationSection(status=evaluator.status if evaluator else "not run")
    uri = evaluator.outputs["evaluation"][0].uri
    blessed = mlmd.custom_property(evaluator.outputs["blessing"][0], "blessed") == 1
    verdict = read_verdict(uri, blessed)
    config, locations = _models(uri)
    section = EvaluationSection(
        ran=True,
        status=evaluator.status,
        blessed=blessed,
        reasons=verdict.failures,
        slices=slice_metrics(uri, METRIC),
        thresholds=thresholds_of(config) if config is not None else [],
        baseline_model=locations.get("baseline"),
        candidate_model=locations.get("candidate"),
        evaluation_uri=uri,
    )
    _add_trivial(section, bars_of(evaluator.outputs["blessing"][0]))
    section.auc = verdict.auc
    if not blessed and not section.reasons:
        section.reasons = ["the Evaluator did not bless the model, and named no failed threshold"]
    return section


def _add_trivial(section: EvaluationSection, bars: Dict[str, Any]) -> None:
    section.trivial_class = bars.get(TRIVIAL_CLASS)
    section.trivial_accuracy = bars.get("trivial_accuracy")
