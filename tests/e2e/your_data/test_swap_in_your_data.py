"""End to end: the documented swap to another real dataset works on the first try, in an output root that
already holds a penguin run, and nothing the new dataset's commands print is about penguins."""

import csv
import json
import re
from pathlib import Path

import httpx
import pytest

from tests.builders.pipeline_runs import Run, release, serving_versions
from tests.builders.project_copy import penguin_words, serve, shell
from tests.builders.serving import free_port, stop, wait_ready
from tests.e2e.your_data.conftest import Swap

pytestmark = pytest.mark.e2e

CLASSES = {"0", "1"}


def test_the_documented_steps_run_as_written_without_a_single_set(swap: Swap):
    assert [command.split("#")[0].split()[0] for command in swap.commands] == [
        "rm",
        "cp",
        ".venv/bin/vtx",
        ".venv/bin/vtx",
    ]
    assert not any("--set" in command.split("#")[0] for command in swap.commands)
    assert sorted(path.name for path in (swap.project / "data").glob("*.csv")) == ["titanic.csv"]


def test_init_says_what_it_guessed_and_why(swap: Swap):
    printed = swap.of("vtx init").stdout

    assert "  name: ignored, text with 1310 different values in 1313 rows" in printed
    assert "  age: numeric, numbers, 42% missing" in printed
    assert "  class: categorical, text with 4 values" in printed
    assert printed.rstrip().endswith("Next: vtx run")
    definition = (swap.project / "modules" / "dataset.yaml").read_text()
    assert "name: titanic" in definition and "label: survived" in definition
    assert (swap.project / "modules" / "schema.pbtxt").read_text().startswith("# DRAFT of the reviewed schema")


def test_the_new_dataset_is_blessed_and_not_compared_with_the_penguin_model(swap: Swap):
    printed = swap.of("vtx run").stdout

    assert "Verdict: BLESSED" in printed, printed
    assert "no baseline yet (first blessed model of dataset titanic)" in printed
    assert re.search(r"^Model: version \d+ pushed in this run: .*/serving_model/titanic/\d+$", printed, re.MULTILINE)
    assert "Traceback" not in printed + swap.of("vtx run").stderr


def test_the_registry_keeps_the_two_datasets_apart(swap: Swap, first_run: Run):
    titanic = shell(swap.project, ".venv/bin/vtx registry list")
    penguins = shell(swap.project, ".venv/bin/vtx registry list --dataset penguins --json")

    lines = titanic.stdout.splitlines()
    assert lines[0] == f"Dataset titanic: {swap.output / 'serving_model' / 'titanic'}"
    assert len(serving_versions(swap.output, "titanic")) == 1
    assert lines[2].startswith(serving_versions(swap.output, "titanic")[0])
    assert lines[-1] == "Other datasets here: penguins (vtx registry list --dataset NAME)"
    listed = json.loads(penguins.stdout)
    assert [v["version"] for v in listed] == serving_versions(first_run.output)[::-1]
    assert {v["dataset"] for v in listed} == {"penguins"}


def test_serve_batch_predict_and_monitor_answer_with_the_datasets_classes_and_never_a_penguin(swap: Swap):
    # The run pushed to staging; production is what serving and batch prediction use, once promoted.
    release(swap.output, "titanic")
    port = free_port()
    server = serve(swap.project, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process=server)
        instance = {"class": "1st", "sex": "female", "age": 30}
        answer = httpx.post(f"http://127.0.0.1:{port}/predict", json={"instances": [instance]}, timeout=30).json()
    finally:
        served = stop(server)
    assert answer["model"] == "vertex-tfx-titanic"
    assert answer["predictions"][0]["classes"] in CLASSES
    assert set(answer["predictions"][0]["class_names"]) == CLASSES

    incoming = swap.project / "incoming"
    incoming.mkdir()
    rows = (swap.project / "data" / "titanic.csv").read_text().splitlines()[:41]
    (incoming / "passengers.csv").write_text("\n".join(rows) + "\n")
    batch = shell(swap.project, ".venv/bin/vtx batch-predict --input incoming --to predictions")
    assert batch.returncode == 0, batch.stderr
    (written,) = (swap.project / "predictions").glob("passengers.*.csv")
    predicted = [row["predicted_class"] for row in csv.DictReader(written.open())]
    assert len(predicted) == 40 and set(predicted) <= CLASSES

    monitor = shell(swap.project, ".venv/bin/vtx monitor")
    assert monitor.returncode in (0, 1), monitor.stderr
    assert "1 requests, 1 instances" in monitor.stdout

    report = Path(re.search(r"^Report: (\S+\.html)", swap.of("vtx run").stdout, re.MULTILINE).group(1))
    printed = [*swap.done, served, batch, monitor]
    texts = [done.stdout + done.stderr for done in printed] + [json.dumps(answer), written.read_text()]
    texts += [report.read_text(), (swap.project / "modules" / "dataset.yaml").read_text()]
    assert [penguin_words(text) for text in texts] == [[] for _ in texts]


def test_help_examples_name_the_new_datasets_columns(swap: Swap):
    helps = [
        shell(swap.project, f".venv/bin/vtx {command} --help").stdout for command in ("serve", "monitor", "report")
    ]

    assert '"age": ' in helps[0] and '"class": ' in helps[0]
    assert "monitoring.features.class.skew" in helps[1]
    assert "vertex-tfx-titanic-" in helps[2]
    assert [penguin_words(text) for text in helps] == [[], [], []]
