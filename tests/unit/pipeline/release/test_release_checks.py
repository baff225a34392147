"""The smoke test's checks on answers made here: each figure and each verdict, at and past its limit."""

import pytest

from pipeline.config.release import SmokeConfig
from pipeline.release import checks
from pipeline.release.checks import Answer

pytestmark = pytest.mark.unit

NAMES = ["Adelie", "Chinstrap", "Gentoo"]


def answer(probabilities, predicted="Adelie", status=200, seconds=0.01):
    prediction = {"classes": predicted, "probabilities": probabilities, "class_names": NAMES}
    return Answer(status, [prediction], "", seconds)


@pytest.mark.parametrize(
    ("prediction", "problem"),
    [
        ({"classes": "Adelie", "probabilities": [0.5, 0.25, 0.25], "class_names": NAMES}, None),
        ({"classes": "Adelie", "probabilities": [0.5, 0.25, 0.25 + 0.00009], "class_names": NAMES}, None),
        (
            {"classes": "Adelie", "probabilities": [0.5, 0.25, 0.2502], "class_names": NAMES},
            "probabilities sum to 1.0002, not 1 ± 0.0001",
        ),
        ({"classes": "Emperor", "probabilities": [1, 0, 0], "class_names": NAMES}, "class 'Emperor' is not among"),
        ({"classes": "Adelie", "probabilities": [None, 0.5, 0.5], "class_names": NAMES}, "probability None is not"),
        ({"classes": "Adelie", "probabilities": [1.5, -0.5, 0], "class_names": NAMES}, "probability -0.5 is negative"),
        ({"classes": "Adelie", "probabilities": [1.0], "class_names": NAMES}, "not one number per class"),
        ({"classes": "Adelie", "probabilities": [], "class_names": []}, "class_names is [], not a list of"),
        ([0.2, 0.8], "a prediction is list, not an object"),
    ],
)
def test_each_output_problem_is_named(prediction, problem):
    found = checks.output_problem(prediction)
    assert found == problem if problem is None else problem in found


def test_accuracy_against_the_evaluator_passes_at_the_gap_and_fails_past_it():
    answers = [answer([1, 0, 0], "Adelie")] * 9 + [answer([0, 0, 1], "Gentoo")]
    labels = ["Adelie"] * 10
    at_gap = checks.accuracy(answers, labels, evaluator=0.95, gap=0.05)
    assert (at_gap.passed, at_gap.figure) == (True, "0.9000 on 10 examples, Evaluator 0.9500: gap 0.0500 <= 0.05")
    past = checks.accuracy(answers, labels, evaluator=0.96, gap=0.05)
    assert (past.passed, past.figure) == (False, "0.9000 on 10 examples, Evaluator 0.9600: gap 0.0600 > 0.05")
    unknown = checks.accuracy(answers, labels, evaluator=None, gap=0.05)
    assert not unknown.passed and unknown.figure.endswith("the Evaluator's accuracy is unknown")


def test_latency_is_the_nearest_rank_percentile_of_the_successful_calls():
    answers = [answer([1, 0, 0], seconds=ms / 1000) for ms in range(1, 101)]
    answers.append(answer([1, 0, 0], status=500, seconds=9.0))  # not timed: it failed
    p50, p99 = checks.latency(answers, SmokeConfig(p50_ms=50, p99_ms=98.5))
    assert (p50.passed, p50.figure) == (True, "50.0 ms <= 50 ms")
    assert (p99.passed, p99.figure) == (False, "99.0 ms > 98.5 ms")


def test_responses_and_malformed_name_the_status():
    failed = checks.responses([answer([1, 0, 0]), Answer(503, None, "overloaded", 0.1)])
    assert (failed.passed, failed.figure) == (False, "1/2 succeeded; first failure: 503 overloaded")
    assert checks.malformed(Answer(400, None, "bad", 0.1)).line == "PASS  malformed    refused with 400, a 4xx"
    assert checks.malformed(Answer(500, None, "boom", 0.1)).figure == "answered 500, not a 4xx: boom"
    assert not checks.outputs([Answer(500, None, "boom", 0.1)]).passed
