"""What the Evaluator's output says about a model: why it was not blessed, and its metrics as GCP labels."""

import json
import re
from typing import Dict

from components import evaluation

LABEL_MAX = 63
_NOT_LABEL = re.compile(r"[^a-z0-9_-]")


def label_value(text: str) -> str:
    """A valid GCP label value: lowercase, [a-z0-9_-] (anything else becomes '_'), at most 63 characters."""
    return _NOT_LABEL.sub("_", text.lower())[:LABEL_MAX]


def label_key(text: str) -> str:
    """A valid GCP label key: a label value that starts with a lowercase letter."""
    key = label_value(text)
    if not key[:1].isalpha():
        raise ValueError(f"label key {text!r} must start with a letter")
    return key


def extra_labels(labels_json: str) -> Dict[str, str]:
    """The `labels` parameter, a JSON object, as valid GCP labels."""
    labels = json.loads(labels_json or "{}")
    if not isinstance(labels, dict):
        raise ValueError(f"labels must be a JSON object, not {labels_json!r}")
    return {label_key(str(key)): label_value(str(value)) for key, value in labels.items()}


def metric_labels(evaluation_uri: str) -> Dict[str, str]:
    """The candidate's overall metrics as labels, e.g. {'accuracy': '0_987'}; {} when the Evaluator wrote none."""
    return {
        label_key(name): label_value(f"{value:.4g}")
        for name, value in evaluation.overall_metrics(evaluation_uri).items()
    }


def not_blessed_reason(evaluation_uri: str) -> str:
    """Names each failed threshold, from the Evaluator's validation result when it wrote one."""
    broken = evaluation.output_check_failure(evaluation_uri)
    if broken is not None:
        return f"not blessed: {broken}"
    if not evaluation.has_validation_result(evaluation_uri):
        return "the Evaluator did not bless the model (it wrote no validation result)"
    found, missing_slices = evaluation.validation_failures(evaluation_uri)
    failures = [_describe(where, failure) for where, failure in found]
    if missing_slices:
        failures.append(f"{missing_slices} slice(s) with thresholds had no examples")
    if not failures:
        return "the Evaluator did not bless the model (its validation result names no failing metric)"
    return "not blessed: " + "; ".join(failures)


def _describe(where: str, failure) -> str:
    name = failure.metric_key.name
    value = failure.metric_value.double_value.value
    threshold = failure.metric_threshold
    if failure.metric_key.is_diff:
        change = threshold.change_threshold
        bound = change.absolute.value if change.HasField("absolute") else change.relative.value
        kind = "absolute" if change.HasField("absolute") else "relative"
        return f"{name} ({where}) changed by {value:+.4f} against the baseline; allowed {kind} change {bound:+.4f}"
    bounds = threshold.value_threshold
    if bounds.HasField("lower_bound") and value < bounds.lower_bound.value:
        return f"{name} ({where}) is {value:.4f}, below the threshold {bounds.lower_bound.value:.4f}"
    if bounds.HasField("upper_bound") and value > bounds.upper_bound.value:
        return f"{name} ({where}) is {value:.4f}, above the threshold {bounds.upper_bound.value:.4f}"
    return f"{name} ({where}) is {value:.4f}, outside its threshold: {failure.message or 'see the validation result'}"
