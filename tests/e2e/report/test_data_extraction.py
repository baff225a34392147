"""pipeline.report.data on real runs: TFDV statistics per split agree with the CSV they describe."""

import csv
import statistics

import pytest

from pipeline.report import data, runs
from tests.builders.pipeline_runs import PROJECT_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rows():
    return list(csv.DictReader((PROJECT_ROOT / "data" / "penguins.csv").open()))


def test_both_splits_add_up_to_the_csv(pushed: runs.RunRecord, rows):
    section = data.extract(pushed.nodes)

    assert set(section.examples) == {"train", "eval"}
    assert sum(section.examples.values()) == len(rows)
    assert section.examples["train"] > 3 * section.examples["eval"] > 0
    assert {f.name for f in section.features} == set(rows[0])


def test_numeric_counts_missing_and_mean_match_the_csv(pushed: runs.RunRecord, rows):
    feature = next(f for f in data.extract(pushed.nodes).features if f.name == "bill_length_mm")
    values = [float(r["bill_length_mm"]) for r in rows if r["bill_length_mm"] != "NA"]
    train, evaluation = feature.by_split["train"], feature.by_split["eval"]

    assert feature.numeric
    assert train.count + evaluation.count == len(values)
    assert train.missing + evaluation.missing == len(rows) - len(values)
    pooled = (train.mean * train.count + evaluation.mean * evaluation.count) / len(values)
    assert pooled == pytest.approx(statistics.fmean(values), rel=1e-6)
    assert min(train.minimum, evaluation.minimum) == pytest.approx(min(values))
    assert sum(count for *_, count in train.histogram) == pytest.approx(train.count)


def test_categorical_top_values_count_each_category(pushed: runs.RunRecord, rows):
    feature = next(f for f in data.extract(pushed.nodes).features if f.name == "island")
    counted = {}
    for split in ("train", "eval"):
        for value, count in feature.by_split[split].top_values:
            counted[value] = counted.get(value, 0) + count

    assert not feature.numeric and feature.by_split["train"].unique == 3
    assert counted == {island: sum(r["island"] == island for r in rows) for island in {r["island"] for r in rows}}


def test_a_corrupted_column_reads_as_strings(stopped: runs.RunRecord, rows):
    feature = next(f for f in data.extract(stopped.nodes).features if f.name == "bill_length_mm")
    longs = {split: dict(feature.by_split[split].ranks).get("long", 0) for split in ("train", "eval")}

    assert not feature.numeric
    # corrupt_data writes "long" into every tenth row.
    assert sum(longs.values()) == len(rows[::10])
    assert feature.by_split["train"].top_values[0][0] == "long"
