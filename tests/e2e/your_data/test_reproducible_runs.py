"""End to end: two runs of the same data, code and seed give the same model and accuracy, and a table full of
identical rows still splits at its configured ratio."""

import csv
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
import tensorflow as tf

from tests.builders.project_copy import project_copy, shell

pytestmark = pytest.mark.e2e

EVAL_SHARE = 0.2  # split.eval_buckets / (train_buckets + eval_buckets) in base.yaml


def without_names(source: Path, target: Path) -> List[List[str]]:
    """The Titanic table without its name column: many passengers become identical rows."""
    rows = [row[1:] for row in csv.reader(source.open())]
    with target.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return rows[1:]


@pytest.fixture(scope="module")
def twin_runs(tmp_path_factory) -> Dict[str, object]:
    project = project_copy(tmp_path_factory.mktemp("twins") / "project")
    (project / "data" / "penguins.csv").unlink()
    rows = without_names(project / "tests" / "data" / "titanic" / "titanic.csv", project / "data" / "passengers.csv")
    assert shell(project, ".venv/bin/vtx init --label survived --force").returncode == 0
    runs = [shell(project, f".venv/bin/vtx run --output runs/{name}") for name in ("a", "b")]
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
    return {"project": project, "rows": rows, "runs": runs}


def verdict(printed: str) -> str:
    """The summary's verdict, accuracies and bars: from 'Verdict:' to the line saying where the model went."""
    return printed[printed.index("Verdict:") : printed.index("\nModel:")]


def accuracy(printed: str) -> str:
    return re.search(r"^  accuracy +(\d\.\d{3}) ", printed, re.MULTILINE).group(1)


def test_the_table_has_many_identical_rows(twin_runs):
    rows = twin_runs["rows"]

    assert len({tuple(row) for row in rows}) < 0.5 * len(rows)


def test_two_runs_of_the_same_data_and_seed_give_the_same_accuracy_and_tuner_scores(twin_runs):
    first, second = (run.stdout for run in twin_runs["runs"])

    assert accuracy(first) == accuracy(second)
    assert verdict(first) == verdict(second)
    results = [
        [path.read_text() for path in sorted((twin_runs["project"] / "runs" / name / "tfx" / "Tuner").rglob("*.json"))]
        for name in "ab"
    ]
    assert results[0] and results[0] == results[1]


def eval_examples(output: Path) -> Counter:
    """How many examples CsvExampleGen wrote to each split."""
    counts: Counter = Counter()
    for split in ("train", "eval"):
        files = [str(path) for path in output.glob(f"tfx/CsvExampleGen/examples/*/Split-{split}/*.gz")]
        counts[split] = sum(1 for _ in tf.data.TFRecordDataset(files, compression_type="GZIP"))
    return counts


def test_the_eval_share_holds_its_ratio_on_a_table_of_duplicates(twin_runs):
    counts = eval_examples(Path(twin_runs["project"]) / "runs" / "a")

    assert counts["train"] + counts["eval"] == len(twin_runs["rows"])
    assert abs(counts["eval"] / len(twin_runs["rows"]) - EVAL_SHARE) <= 0.03, counts
