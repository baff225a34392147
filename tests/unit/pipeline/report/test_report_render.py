"""The report page: every section's heading, the verdict and its reasons, and nothing that loads from elsewhere."""

import re

import pytest

from pipeline import mlmd
from pipeline.report import build, render, runs
from pipeline.report.evaluation import EvaluationSection, SliceMetrics, Threshold

pytestmark = pytest.mark.unit

SECTIONS = ["Summary", "Timeline", "Data", "Validation", "Tuning", "Evaluation", "Model"]


def _record(nodes) -> runs.RunRecord:
    return runs.RunRecord("run-1", "penguins", "/out/metadata.sqlite", "2026-11-22 08:00:00 UTC", nodes, {})


def test_a_run_that_stopped_early_still_has_every_section():
    report = build.build(_record({"CsvExampleGen": mlmd.NodeRun("CsvExampleGen", "failed", 0.5)}))

    page = render.html(report)

    assert re.findall(r"<h2>(\w+)</h2>", page) == SECTIONS
    assert 'class="verdict failed"' in page and "CsvExampleGen failed; its log names the error" in page
    assert "No statistics: the run stopped before StatisticsGen." in page
    assert "No model was trained in this run (Trainer not run)." in page
    assert "<script" not in page and "<link" not in page


def test_a_not_blessed_evaluation_shows_its_reasons_thresholds_and_the_change(monkeypatch):
    report = build.build(_record({"Trainer": mlmd.NodeRun("Trainer", "executed", 9.0)}))
    report.evaluation = EvaluationSection(
        ran=True,
        status="executed",
        blessed=False,
        reasons=["accuracy (overall) is 0.406, below the threshold 0.900 by 0.494"],
        slices=[SliceMetrics("overall", 64, 0.40625, 1.0, -0.59375)],
        thresholds=[Threshold("accuracy", "overall", ">= 0.900")],
        baseline_model="/out/tfx/Trainer/model/7/Format-Serving",
    )

    page = render.html(report)

    assert '<strong id="blessing">NOT BLESSED</strong>' in page
    assert "below the threshold 0.900 by 0.494" in page
    assert re.search(r"<td>overall</td><td class=\"num\">64</td><td class=\"num\">0.406</td>", page)
    assert "-0.594" in page and "&gt;= 0.900" in page
    assert page.count("<svg") == 2  # the timeline and the evaluation chart


def test_text_from_artifacts_is_escaped():
    report = build.build(_record({"Trainer": mlmd.NodeRun("<img src=x>", "executed", 1.0)}))

    page = render.html(report)

    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page


@pytest.mark.parametrize(
    ("value", "text"), [(None, "–"), (64, "64"), (0.40625, "0.406"), (4201.5, "4,201.500"), (1.0, "1.000")]
)
def test_numbers(value, text):
    assert render._number(value) == text


@pytest.mark.parametrize(("count", "text"), [(512, "512 bytes"), (2048, "2.0 KiB"), (3 * 1024**2, "3.0 MiB")])
def test_sizes(count, text):
    assert render._size(count) == text
