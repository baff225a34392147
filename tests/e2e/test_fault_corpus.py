"""The fault corpus: bad and quirky CSV input, each run through `vtx run` as a user would, with its exit status,
its message, and proof that nothing was pushed or lost.

Input the whole-file check refuses stops before TensorFlow loads (exit 2, one line naming file, line and
problem). Input that reads but breaks the schema needs the pipeline up to ExampleValidator: those cases share
one run on one file that carries every quirk a reader must take and one schema break per feature, and each
case checks its own feature in that run.
"""

import collections
import shutil
import time
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from pipeline import mlmd
from pipeline.registry.local import LocalRegistry
from tests.builders import fault_data
from tests.builders.pipeline_runs import PROJECT_ROOT, Run, serving_dir, serving_versions, tree_digest, vtx_run
from tests.builders.serving import isolated_output

pytestmark = pytest.mark.e2e

# Exit 2, and this message after "Error: "; the line numbers are those of data/penguins.csv. A column missing from
# the data is refused here, against modules/dataset.yaml, before the schema could name it.
REFUSED = {
    "truncated-last-line": (
        "{data}/penguins.csv: line 345: the last line has 4 of 8 cells and no line end; the file is cut short"
    ),
    "not-utf8-after-8kb": (
        "{data}/penguins.csv: line 300: not UTF-8 (byte 0xe9 at offset 13183 of the file); save it as "
        "UTF-8"
    ),
    "not-utf8-in-first-8kb": (
        "{data}/penguins.csv: line 3: not UTF-8 (byte 0xe9 at offset 163 of the file); save it as "
        "UTF-8"
    ),
    "utf16": "{data}/penguins.csv: line 1: the file is UTF-16; save it as UTF-8",
    "too-many-cells": (
        "{data}/penguins.csv: line 120: 9 cells, but the header has 8 (a comma inside a value that is not in quotes?)"
    ),
    "too-few-cells": "{data}/penguins.csv: line 200: 3 cells, but the header has 8",
    "unclosed-quote": "{data}/penguins.csv: line 50: a quoted cell in the row that starts here is never closed",
    "nul-byte": "{data}/penguins.csv: line 77: a NUL byte; is this a binary file?",
    "empty-file": "{data}/penguins.csv: the file is empty; it needs a header line and at least one row",
    "header-only": "{data}/penguins.csv has a header but no data rows",
    "mismatched-headers": "{data}/b.csv has a different header from {data}/a.csv: no year; also yr",
    "no-label-column": (
        "{dataset} names column 'species', which {data}/penguins.csv does not have; its header: kind, "
        "island, "
    ),
    "repeated-column": "{data}/penguins.csv: line 1: the header names 'island' twice (columns 2 and 8)",
    "unnamed-column": (
        "{data}/penguins.csv: line 1: column 8 of the header has no name (a comma at the end of the "
        "line?)"
    ),
    "blank-first-line": (
        "{data}/penguins.csv: line 1: the first line is blank; it must be the header (the column "
        "names)"
    ),
    "dropped-column": (
        "{dataset} names column 'bill_depth_mm', which {data}/penguins.csv does not have; its header: species, "
    ),
}  # fmt: skip

# Schema breaks, each on its own feature of the shared run: the anomaly ExampleValidator names, in every split.
BREAKS = {
    "unseen-label": ("species", "Unexpected string values: Examples contain values missing from the schema: Emperor"),
    "all-empty-feature": ("sex", "Column dropped: The feature was not present in any examples."),
    "string-in-numeric-column": ("bill_length_mm", "Unexpected data type: Expected data of type: FLOAT but got STRING"),
    "out-of-range-values": ("flipper_length_mm", "Out-of-range values: Unexpectedly large value: 999."),
    "extra-column": ("note", "New column: New column (column in data but not in schema)"),
}
# Quirks the reader takes: no anomaly on these features (but a break's own), and their values arrive as written.
QUIRKS = {
    "byte-order-mark": "body_mass_g",  # the first column: a mark read as data would rename it
    "crlf-line-ends": "year",  # the last column: a carriage return read as data would make it text
    "reordered-columns": "island",
    "quoted-comma": "note",
    "na-and-empty-cells": "body_mass_g",
    "unseen-category-within-tolerance": "island",  # one Atlantis in 344 rows; the schema allows 5%
}


def _digest(folder: Path) -> str:
    return tree_digest(folder) if folder.exists() else ""


@pytest.fixture(scope="module")
def model_output(first_run: Run, tmp_path_factory) -> Path:
    """A copy of the first run's pushed model and ML Metadata, for runs that must leave it as it is."""
    return isolated_output(first_run.output, tmp_path_factory.mktemp("corpus-output"))


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_input_the_check_refuses_is_one_line_with_exit_2_before_the_pipeline(case, model_output, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    fault_data.PREFLIGHT[case](data)
    data_before, output_before = _digest(data), _digest(model_output)

    run = vtx_run(model_output, "--data", str(data))

    assert run.returncode == 2, run.console
    assert run.stdout == "", "the run must stop before it starts"
    assert run.stderr.splitlines() == [run.stderr.strip()], run.stderr
    dataset = PROJECT_ROOT / "modules" / "dataset.yaml"
    assert run.stderr.startswith("Error: " + REFUSED[case].format(data=data, dataset=dataset)), run.stderr
    assert _digest(model_output) == output_before, "nothing may be pushed, logged or recorded"
    assert _digest(data) == data_before, "the input must be left as it was"


@pytest.fixture(scope="module")
def validation_run(model_output: Path, tmp_path_factory) -> Dict:
    """One `vtx run` on the file with every quirk and every schema break, in a copy of the model output."""
    output = tmp_path_factory.mktemp("corpus-validation")
    shutil.copytree(model_output, output, dirs_exist_ok=True)
    data = tmp_path_factory.mktemp("corpus-data")
    content, rows = fault_data.quirks_and_breaks()
    (data / "penguins.csv").write_bytes(content)
    # A registry in release stages already (any run since marks it): the digest then covers models and aliases.
    LocalRegistry(str(serving_dir(output)), str(output / "metadata.sqlite")).mark_staged(int(time.time()))
    models_before = tree_digest(output / "serving_model")
    run = vtx_run(output, "--data", str(data))
    nodes = mlmd.node_runs(mlmd.open_store(str(output / "metadata.sqlite")), "vertex-tfx-penguins", run.run_id)
    return {"run": run, "rows": rows, "nodes": nodes, "models_before": models_before, "data": data}


def _anomalies(run: Run) -> Dict[str, Dict[str, List[str]]]:
    """feature -> split -> the anomaly lines the run printed."""
    found: Dict[str, Dict[str, List[str]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in run.stdout.splitlines():
        if line.startswith("  [") and "] " in line:
            split, rest = line.strip()[1:].split("] ", 1)
            feature, anomaly = rest.split(": ", 1)
            found[feature][split].append(anomaly)
    return found


def _examples(nodes) -> List[Dict[str, Optional[object]]]:
    """Every example CsvExampleGen wrote, in all splits, as feature -> value (None when missing)."""
    import tensorflow as tf

    uri = nodes["CsvExampleGen"].outputs["examples"][0].uri
    files = sorted(str(path) for path in Path(uri).glob("Split-*/*.gz"))
    examples = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP").as_numpy_iterator():
        example = tf.train.Example.FromString(record)
        row: Dict[str, Optional[object]] = {}
        for name, feature in example.features.feature.items():
            kind = feature.WhichOneof("kind")
            value = getattr(feature, kind).value[0] if kind else None
            row[name] = value.decode() if isinstance(value, bytes) else value
        examples.append(row)
    return examples


def test_the_validation_run_stops_at_example_validator_with_nothing_pushed_and_no_row_lost(validation_run):
    run, nodes = validation_run["run"], validation_run["nodes"]

    assert run.returncode == 1, run.console
    assert "Error: Data validation failed; nothing downstream ran and nothing was pushed." in run.stdout
    assert "Traceback" not in run.console
    assert nodes["ExampleValidator"].status == "failed" and "Transform" not in nodes and "Pusher" not in nodes
    assert tree_digest(run.output / "serving_model") == validation_run["models_before"]
    assert len(serving_versions(run.output)) == 1
    assert len(_examples(nodes)) == len(validation_run["rows"]) == 344


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_schema_break_is_named_in_every_split(validation_run, case):
    feature, anomaly = BREAKS[case]

    named = _anomalies(validation_run["run"])[feature]

    assert set(named) == {"train", "eval"}, named
    assert all(any(line.startswith(anomaly) for line in lines) for lines in named.values()), named


def test_only_the_broken_features_are_named(validation_run):
    assert set(_anomalies(validation_run["run"])) == {feature for feature, _ in BREAKS.values()}


@pytest.mark.parametrize("case", sorted(QUIRKS))
def test_each_quirk_is_read_as_written(validation_run, case):
    feature = QUIRKS[case]
    examples = _examples(validation_run["nodes"])

    written = collections.Counter(_as_read(feature, row[feature]) for row in validation_run["rows"])

    # The quoted comma rides in the extra column, whose one anomaly must be that it is new.
    allowed = [anomaly for broken, anomaly in BREAKS.values() if broken == feature]
    named = [line for lines in _anomalies(validation_run["run"]).get(feature, {}).values() for line in lines]
    assert all(any(line.startswith(anomaly) for anomaly in allowed) for line in named), named
    assert collections.Counter(example.get(feature) for example in examples) == written


def _as_read(feature: str, cell: str) -> Optional[object]:
    """A written cell as the examples hold it: NA and empty are missing; numbers as their column's type."""
    if cell in ("", "NA"):
        return None
    return int(cell) if feature in ("body_mass_g", "year") else cell


def test_the_corpus_covers_what_the_issue_lists():
    listed = {
        "truncated-last-line", "not-utf8-after-8kb", "too-many-cells", "byte-order-mark", "crlf-line-ends",
        "quoted-comma", "reordered-columns", "extra-column", "na-and-empty-cells", "unseen-label",
        "all-empty-feature", "string-in-numeric-column", "header-only", "mismatched-headers", "out-of-range-values",
    }  # fmt: skip
    assert listed <= set(REFUSED) | set(BREAKS) | set(QUIRKS)
    assert set(REFUSED) == set(fault_data.PREFLIGHT)
