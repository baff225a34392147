"""The smoke test's checks: each reads the answers to the held-out examples and gives one line with its figure."""

import math
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

from pipeline import contract
from pipeline.config.release import SmokeConfig

# Probabilities must sum to 1 within this.
SUM_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Answer:
    """One predict call: the HTTP status, the predictions when it succeeded, the error text, the wall time."""

    status: int
    predictions: Optional[List[Any]]
    error: str
    seconds: float
    version: Optional[str] = None  # the model version the server says answered, if it says


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    figure: str

    @property
    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name:<12} {self.figure}"


def responses(answers: Sequence[Answer]) -> Check:
    failed = [a for a in answers if not 200 <= a.status < 300]
    if not failed:
        return Check("responses", True, f"{len(answers)}/{len(answers)} succeeded")
    first = failed[0]
    return Check(
        "responses",
        False,
        f"{len(answers) - len(failed)}/{len(answers)} succeeded; first failure: {first.status} {first.error[:200]}",
    )


def output_problem(prediction: Any) -> Optional[str]:
    """Why one prediction is not a valid answer of the serving contract, or None."""
    if not isinstance(prediction, dict):
        return f"a prediction is {type(prediction).__name__}, not an object"
    names = prediction.get(contract.CLASS_NAMES)
    predicted = prediction.get(contract.CLASSES)
    probabilities = prediction.get(contract.PROBABILITIES)
    if not isinstance(names, list) or not names:
        return f"{contract.CLASS_NAMES} is {names!r}, not a list of class names"
    if predicted not in names:
        return f"class {predicted!r} is not among the model's class names {names}"
    if not isinstance(probabilities, list) or len(probabilities) != len(names):
        return f"{contract.PROBABILITIES} is {probabilities!r}, not one number per class"
    for value in probabilities:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            return f"probability {value!r} is not a finite number"
        if value < 0:
            return f"probability {value!r} is negative"
    total = math.fsum(probabilities)
    if abs(total - 1.0) > SUM_TOLERANCE:
        return f"probabilities sum to {total:.6g}, not 1 ± {SUM_TOLERANCE:g}"
    return None


def outputs(answers: Sequence[Answer]) -> Check:
    predictions = [p for a in answers for p in (a.predictions or [])]
    problems = [(i, problem) for i, p in enumerate(predictions) if (problem := output_problem(p)) is not None]
    if not predictions:
        return Check("outputs", False, "no prediction came back")
    if not problems:
        return Check(
            "outputs", True, f"{len(predictions)}/{len(predictions)} valid: a known class, probabilities sum to 1"
        )
    index, problem = problems[0]
    return Check("outputs", False, f"{len(problems)}/{len(predictions)} invalid; prediction {index + 1}: {problem}")


def accuracy(answers: Sequence[Answer], labels: Sequence[str], evaluator: Optional[float], gap: float) -> Check:
    pairs = [(a.predictions[0], label) for a, label in zip(answers, labels, strict=True) if a.predictions]
    scored = [(p.get(contract.CLASSES), label) for p, label in pairs if isinstance(p, dict)]
    if not scored:
        return Check("accuracy", False, "no prediction to score")
    value = sum(predicted == label for predicted, label in scored) / len(scored)
    if evaluator is None:
        return Check("accuracy", False, f"{value:.4f} on {len(scored)} examples; the Evaluator's accuracy is unknown")
    difference = abs(value - evaluator)
    sign = "<=" if difference <= gap else ">"
    figure = f"{value:.4f} on {len(scored)} examples, Evaluator {evaluator:.4f}: gap {difference:.4f} {sign} {gap:g}"
    return Check("accuracy", difference <= gap, figure)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency(answers: Sequence[Answer], settings: SmokeConfig) -> List[Check]:
    timed = [a.seconds * 1000 for a in answers if 200 <= a.status < 300]
    if not timed:
        return [Check("latency p50", False, "no successful call to time"), Check("latency p99", False, "-")]
    checks = []
    for name, share, limit in (("latency p50", 0.5, settings.p50_ms), ("latency p99", 0.99, settings.p99_ms)):
        value = percentile(timed, share)
        checks.append(Check(name, value <= limit, f"{value:.1f} ms {'<=' if value <= limit else '>'} {limit:g} ms"))
    return checks


def malformed(answer: Answer) -> Check:
    if 400 <= answer.status < 500:
        return Check("malformed", True, f"refused with {answer.status}, a 4xx")
    if 200 <= answer.status < 300:
        return Check("malformed", False, f"accepted with {answer.status}; a malformed instance must be a 4xx")
    return Check("malformed", False, f"answered {answer.status}, not a 4xx: {answer.error[:200]}")
