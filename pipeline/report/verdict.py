"""The Evaluator's verdict on a run: blessed or not, accuracy overall, per slice and of the baseline, and why."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from components import evaluation

METRIC = "accuracy"
# Reported for two classes (pipeline/dag/eval_config.py: AUC_METRIC); the trivial model's is TRIVIAL_AUC.
AUC = "auc"
TRIVIAL_AUC = 0.5


@dataclass
class Verdict:
    """What the Evaluator decided and why, read from its artifacts."""

    blessed: Optional[bool] = None
    overall: Optional[float] = None
    baseline: Optional[float] = None
    by_slice: List[Tuple[str, float]] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)
    # The AUC of a two-class label's model (the trivial model's is 0.5), when the Evaluator computed one.
    auc: Optional[float] = None
    # The bars the Evaluator set for this eval split (components/eval_policy.py), when it recorded them.
    bars: Dict[str, Any] = field(default_factory=dict)


# Custom properties of the ModelBlessing that hold those bars (components/eval_policy.py: record).
BAR_PROPERTIES = ("eval_examples", "trivial_accuracy", "accuracy", "allowed_drop")
# The trivial model's one answer (a string property beside those numbers).
TRIVIAL_CLASS = "trivial_class"


def bars_of(blessing: Any) -> Dict[str, Any]:
    """The bars recorded on a ModelBlessing (an ML Metadata artifact); empty for an older run."""
    from pipeline import mlmd

    found = {name: mlmd.custom_property(blessing, f"bar_{name}") for name in BAR_PROPERTIES}
    bars: Dict[str, Any] = {name: float(value) for name, value in found.items() if value is not None}
    trivial = mlmd.custom_property(blessing, f"bar_{TRIVIAL_CLASS}")
    if trivial is not None:
        bars[TRIVIAL_CLASS] = str(trivial)
    return bars


def read_verdict(evaluation_uri: str, blessed: Optional[bool]) -> Verdict:
    """Reads the candidate's and baseline's accuracy per slice and the failed thresholds, once each."""
    verdict = Verdict(blessed=blessed)
    broken = evaluation.output_check_failure(evaluation_uri)
    if broken is not None:
        # The candidate's outputs failed before TFMA ran: there are no metrics, only this reason.
        verdict.failures = [broken]
        return verdict
    by_slice: Dict[str, float] = {}
    for metric in evaluation.metric_values(evaluation_uri):
        if metric.name == AUC and not (metric.slice or metric.baseline or metric.is_diff):
            verdict.auc = metric.value if verdict.auc is None else verdict.auc
        if metric.name != METRIC or metric.is_diff:
            continue
        if metric.baseline:
            if not metric.slice:
                verdict.baseline = metric.value
        elif metric.slice:
            by_slice[metric.slice] = metric.value
        else:
            verdict.overall = metric.value
    verdict.by_slice = sorted(by_slice.items())
    found, _ = evaluation.validation_failures(evaluation_uri)
    verdict.failures = [describe_failure(where, failure) for where, failure in found]
    return verdict


def describe_failure(where: str, failure) -> str:
    name = failure.metric_key.name
    value = failure.metric_value.double_value.value
    threshold = failure.metric_threshold
    if failure.metric_key.is_diff:
        allowed = threshold.change_threshold.absolute.value
        return f"{name} ({where}) changed by {value:+.3f} against the baseline; the allowed change is >= {allowed:+.3f}"
    bound = threshold.value_threshold.lower_bound.value
    return f"{name} ({where}) is {value:.3f}, below the threshold {bound:.3f} by {bound - value:.3f}"
