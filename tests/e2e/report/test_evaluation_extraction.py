"""pipeline.report.evaluation on real runs: metrics per slice, thresholds, the baseline and the blessing."""

import pytest

from pipeline.report import data, evaluation, runs

pytestmark = pytest.mark.e2e

SLICES = ["overall", "island=Biscoe", "island=Dream", "island=Torgersen", "sex=female", "sex=male"]


def test_the_first_model_is_blessed_with_no_baseline(pushed: runs.RunRecord):
    section = evaluation.extract(pushed.nodes)
    eval_examples = data.extract(pushed.nodes).examples["eval"]

    assert section.ran and section.blessed and section.reasons == []
    assert [row.name for row in section.slices] == SLICES
    overall = section.slices[0]
    assert overall.examples == eval_examples
    assert overall.candidate is not None and overall.candidate >= 0.9
    assert overall.baseline is None and overall.change is None and section.baseline_model is None
    assert sum(row.examples or 0 for row in section.slices if row.name.startswith("island=")) == eval_examples
    # With no baseline, TFX leaves the change threshold out of the config the Evaluator ran.
    assert [(t.metric, t.slice, t.rule) for t in section.thresholds] == [("accuracy", "overall", ">= 0.900")]


def test_an_undertrained_model_is_not_blessed_and_says_why(not_blessed: runs.RunRecord, pushed: runs.RunRecord):
    section = evaluation.extract(not_blessed.nodes)
    first = evaluation.extract(pushed.nodes).slices[0]
    overall = section.slices[0]

    assert section.ran and section.blessed is False
    assert overall.candidate is not None and overall.candidate < 0.9
    assert overall.baseline == pytest.approx(first.candidate)
    assert overall.change == pytest.approx(overall.candidate - overall.baseline)
    assert section.baseline_model == pushed.nodes["Trainer"].outputs["model"][0].uri + "/Format-Serving"
    assert [(t.metric, t.slice, t.rule) for t in section.thresholds] == [
        ("accuracy", "overall", ">= 0.900"),
        # max_accuracy_drop is 0.01, but one standard error of an accuracy on 69 eval examples is 0.060.
        ("accuracy", "overall", "change against the baseline >= -0.060"),
    ]
    assert any("below the threshold 0.900" in reason for reason in section.reasons)
    assert any("against the baseline" in reason for reason in section.reasons)


def test_a_stopped_run_has_no_evaluation(stopped: runs.RunRecord):
    assert evaluation.extract(stopped.nodes) == evaluation.EvaluationSection()
