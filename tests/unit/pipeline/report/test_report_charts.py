"""The report's charts: matplotlib figures as inline SVG, with their text as text and ids unique per page."""

import re

import pytest

from pipeline.report import charts
from pipeline.report.data import FeatureStats, SplitStats
from pipeline.report.evaluation import SliceMetrics
from pipeline.report.timeline import Step, Timeline
from pipeline.report.tuning import Trial

pytestmark = pytest.mark.unit


def _ids(svg: str):
    return re.findall(r'\bid="([^"]+)"', svg)


@pytest.fixture(scope="module")
def svgs():
    steps = Timeline([Step("CsvExampleGen", "executed", 0.0, 1.2), Step("Transform", "cached", 1.2, 0.0)], 1.5)
    numeric = FeatureStats("body_mass_g")
    for split, shift in (("train", 0.0), ("eval", 100.0)):
        buckets = [(3000 + shift, 4000 + shift, 30.0), (4000 + shift, 5000 + shift, 70.0)]
        numeric.by_split[split] = SplitStats(count=100, missing=0, numeric=True, histogram=buckets)
    island = FeatureStats("island")
    island.by_split["train"] = SplitStats(count=4, missing=0, numeric=False, ranks=[("Biscoe", 3), ("Dream", 1)])
    island.by_split["eval"] = SplitStats(count=2, missing=0, numeric=False, ranks=[("Dream", 2)])
    trials = [Trial("0", 0.8, {}), Trial("1", 0.95, {}, best=True)]
    slices = [SliceMetrics("overall", 64, 0.4, 1.0, -0.6), SliceMetrics("island=Dream", 24, 0.375, 1.0, -0.625)]
    return {
        "timeline": charts.timeline(steps),
        "numeric": charts.feature(numeric, 0),
        "categorical": charts.feature(island, 1),
        "tuning": charts.tuning(trials),
        "evaluation": charts.evaluation(slices, "accuracy", 0.9),
    }


def test_every_chart_is_an_svg_element_with_its_labels_as_text(svgs):
    expected_text = {
        "timeline": ["CsvExampleGen", "1.2 s executed", "0.0 s cached"],
        "numeric": ["body_mass_g", "train", "eval", "share of examples"],
        "categorical": ["island", "Biscoe", "Dream"],
        "tuning": ["trial", "score", "best"],
        "evaluation": ["overall", "island=Dream", "threshold 0.900", "candidate", "baseline"],
    }
    for name, svg in svgs.items():
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>"), name
        assert "<metadata" not in svg and "<?xml" not in svg, name
        for text in expected_text[name]:
            assert f">{text}<" in svg, (name, text)


def test_ids_are_unique_across_the_charts_of_one_page(svgs):
    ids = [i for svg in svgs.values() for i in _ids(svg)]

    assert ids and len(ids) == len(set(ids))


def test_the_same_chart_renders_the_same_svg(svgs):
    trials = [Trial("0", 0.8, {}), Trial("1", 0.95, {}, best=True)]

    assert charts.tuning(trials) == svgs["tuning"]


def test_no_data_no_chart():
    assert charts.tuning([Trial("0", None, {})]) is None
    assert charts.evaluation([SliceMetrics("overall")], "accuracy", None) is None


def test_every_split_is_drawn_on_the_same_edges_with_its_counts_moved_onto_them():
    stats = FeatureStats("stops")
    # TFDV's own edges: 0-1.2 for train, 0-0.8 for eval; one bucket of a single value in serving.
    stats.by_split["train"] = SplitStats(
        count=10, missing=0, numeric=True, histogram=[(0.0, 1.2, 6.0), (1.2, 2.4, 4.0)]
    )
    stats.by_split["eval"] = SplitStats(count=4, missing=0, numeric=True, histogram=[(0.0, 0.8, 2.0), (0.8, 1.6, 2.0)])
    stats.by_split["serving"] = SplitStats(count=2, missing=0, numeric=True, histogram=[(2.4, 2.4, 2.0)])

    edges, shares = stats.shared_histograms(buckets=3)

    assert edges == pytest.approx([0.0, 0.8, 1.6, 2.4])
    assert shares["train"] == pytest.approx([0.4, 1 / 3, 0.8 / 3])
    assert shares["eval"] == pytest.approx([0.5, 0.5, 0.0])
    assert shares["serving"] == pytest.approx([0.0, 0.0, 1.0])
