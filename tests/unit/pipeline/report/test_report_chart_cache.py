"""The kept feature charts: drawn once per statistics, the same page either way, one report's charts kept."""

import dataclasses

import pytest

from pipeline import mlmd
from pipeline.report import build, charts, render, runs
from pipeline.report.chart_cache import FOLDER, ChartCache
from pipeline.report.data import FeatureStats, SplitStats

pytestmark = pytest.mark.unit


def _feature(name: str, mean: float) -> FeatureStats:
    histogram = [(30.0, 40.0, 4.0), (40.0, 50.0, 6.0)]
    split = SplitStats(10, 0, True, mean=mean, std=5.0, histogram=histogram)
    return FeatureStats(name, {"train": split, "eval": dataclasses.replace(split, count=5)})


def _report(*features: FeatureStats) -> build.Report:
    record = runs.RunRecord("run-1", "penguins", "/out/metadata.sqlite", "2026-12-06 08:00:00 UTC", {}, {})
    report = build.build(dataclasses.replace(record, nodes={"Trainer": mlmd.NodeRun("Trainer", "executed", 1.0)}))
    report.data.features = list(features)
    return report


@pytest.fixture
def drawn(monkeypatch) -> list:
    """Every feature chart actually drawn, by feature name."""
    names: list = []
    original = charts.feature
    monkeypatch.setattr(charts, "feature", lambda stats, index: names.append(stats.name) or original(stats, index))
    return names


def test_a_second_report_on_the_same_statistics_draws_no_feature_chart_and_is_the_same_page(tmp_path, drawn):
    report = _report(_feature("bill_length_mm", 40.0), _feature("body_mass_g", 4000.0))
    uncached = render.html(report)
    drawn.clear()

    first = render.write(report, tmp_path / "run-1.html", keep_charts=True).read_text()
    second = render.write(report, tmp_path / "run-2.html", keep_charts=True).read_text()

    assert drawn == ["bill_length_mm", "body_mass_g"]  # by the first write only
    assert first == second == uncached
    assert len(list((tmp_path / FOLDER).iterdir())) == 2


def test_other_statistics_are_drawn_and_only_the_last_reports_charts_are_kept(tmp_path, drawn):
    render.write(_report(_feature("a", 40.0), _feature("b", 41.0)), tmp_path / "run-1.html", keep_charts=True)
    drawn.clear()
    (tmp_path / FOLDER / "left-over.tmp").write_text("half a chart")

    render.write(_report(_feature("a", 40.0), _feature("b", 42.0)), tmp_path / "run-2.html", keep_charts=True)

    assert drawn == ["b"]
    kept = sorted(path.name for path in (tmp_path / FOLDER).iterdir())
    assert len(kept) == 2 and "left-over.tmp" not in kept


def test_the_same_statistics_at_another_place_on_the_page_is_another_chart(tmp_path, drawn):
    cache = ChartCache(tmp_path)
    feature = _feature("a", 40.0)
    assert cache.feature(feature, 0) != cache.feature(feature, 1)  # the SVG's ids name their place
    assert drawn == ["a", "a"]


def test_a_folder_that_cannot_be_written_is_no_cache(tmp_path, drawn):
    (tmp_path / FOLDER).write_text("a file where the folder would be")
    report = _report(_feature("a", 40.0))

    page = render.write(report, tmp_path / "run-1.html", keep_charts=True).read_text()

    assert page == render.html(report) and drawn == ["a", "a"]
    assert (tmp_path / FOLDER).read_text() == "a file where the folder would be"


def test_without_keep_charts_nothing_is_kept(tmp_path):
    render.write(_report(_feature("a", 40.0)), tmp_path / "report.html")
    assert not (tmp_path / FOLDER).exists()
