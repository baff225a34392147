"""End to end on a third shape of data (tests/data/cars/): an integer label, a date column and R's row names go
through `vtx init`, `vtx run`, `vtx serve`, `vtx batch-predict` and `vtx monitor` with no --set, and a run that
changes only the slices pushes nothing."""

import csv
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import httpx
import pytest

from tests.builders.pipeline_runs import release, serving_versions
from tests.builders.project_copy import project_copy, serve, shell
from tests.builders.serving import free_port, stop, wait_ready

pytestmark = pytest.mark.e2e

CLASSES = ["3", "4", "5", "6", "8"]
FEATURES = ["Miles_per_Gallon", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Origin", "Year"]
STEPS = [
    "rm data/penguins.csv",
    "cp tests/data/cars/cars.csv data/",
    ".venv/bin/vtx init --label Cylinders --force",
    ".venv/bin/vtx run",
]


@dataclass
class Cars:
    project: Path
    init: subprocess.CompletedProcess
    run: subprocess.CompletedProcess

    @property
    def output(self) -> Path:
        return self.project / "outputs" / "local"


@pytest.fixture(scope="module")
def cars(tmp_path_factory) -> Cars:
    project = project_copy(tmp_path_factory.mktemp("cars") / "project")
    done = []
    for step in STEPS:
        done.append(shell(project, step))
        assert done[-1].returncode == 0, f"{step}\n{done[-1].stdout}\n{done[-1].stderr}"
    return Cars(project, done[2], done[3])


def instances() -> List[Dict]:
    """Every row of the training CSV as a request instance: numbers as numbers, NA as null, the date as written."""
    rows = list(csv.DictReader((Path(__file__).parents[2] / "data" / "cars" / "cars.csv").open()))
    found = []
    for row in rows:
        instance: Dict = {key: (None if row[key] == "NA" else float(row[key])) for key in FEATURES[:5]}
        found.append({**instance, "Origin": row["Origin"], "Year": row["Year"]})
    return found


def test_init_leaves_out_the_row_names_proposes_the_date_and_orders_the_classes(cars: Cars):
    printed = cars.init.stdout

    assert "  Cylinders: the label, 5 classes, in this order: 3, 4, 5, 6, 8" in printed
    assert "  (a column with no name): left out, no name in the header" in printed
    assert "  Year: date, dates like '1970-01-01', never missing: the model reads its year, month" in printed
    definition = (cars.project / "modules" / "dataset.yaml").read_text()
    assert "date: [Year]" in definition and "classes: ['3', '4', '5', '6', '8']" in definition
    assert "''" not in definition


def test_the_verdict_is_measured_against_the_trivial_model(cars: Cars):
    printed = cars.run.stdout

    assert "Note: " in printed and "column 1 of the header has no name: left out" in printed
    assert "Verdict: BLESSED" in printed, printed
    accuracy, threshold = re.search(r"^  accuracy\s+([\d.]+)\s+threshold >= ([\d.]+)", printed, re.MULTILINE).groups()
    trivial = re.search(r"^  trivial\s+([\d.]+)\s+always answering '4', the training split", printed, re.MULTILINE)
    assert trivial, printed
    assert float(trivial.group(1)) < float(threshold) < float(accuracy)
    assert re.search(r"^Model: version \d+ pushed in this run", printed, re.MULTILINE)


def test_serve_batch_and_monitor_give_classes_in_numeric_order_and_no_alert_on_training_traffic(cars: Cars):
    # The run pushed to staging; production is what serving and batch prediction use, once promoted.
    release(cars.output, "cars")
    port = free_port()
    server = serve(cars.project, port)
    url = f"http://127.0.0.1:{port}/predict"
    try:
        wait_ready(f"http://127.0.0.1:{port}", process=server)
        car = {**instances()[0], "Year": "1982-01-01 00:00:00"}
        answer = httpx.post(url, json={"instances": [car]}, timeout=30).json()
        refused = httpx.post(url, json={"instances": [{**car, "Year": "82/01/01"}]}, timeout=30)
        traffic = instances()
        for start in range(0, len(traffic), 25):
            sent = httpx.post(url, json={"instances": traffic[start : start + 25]}, timeout=60)
            assert sent.status_code == 200, sent.text
    finally:
        stop(server)
    assert answer["predictions"][0]["class_names"] == CLASSES
    assert answer["predictions"][0]["classes"] == "8"
    assert refused.status_code == 400
    assert "date feature 'Year'" in refused.text and "YYYY-MM-DD" in refused.text

    incoming = cars.project / "incoming"
    incoming.mkdir()
    rows = (cars.project / "data" / "cars.csv").read_text().splitlines()[:31]
    (incoming / "cars.csv").write_text("\n".join(rows) + "\n")
    batch = shell(cars.project, ".venv/bin/vtx batch-predict --input incoming --to predictions")
    assert batch.returncode == 0, batch.stdout + batch.stderr
    (written,) = (cars.project / "predictions").glob("cars.*.csv")
    header = next(csv.reader(written.open()))
    assert [name for name in header if name.startswith("probability_")] == [f"probability_{c}" for c in CLASSES]

    monitor = shell(cars.project, ".venv/bin/vtx monitor")
    assert monitor.returncode == 0, monitor.stdout + monitor.stderr
    written_json = Path(re.search(r"JSON: (\S+\.json)", monitor.stdout).group(1))
    result = json.loads(written_json.read_text())
    assert result["window"]["instances"] == len(instances()) + 1
    assert result["flagged"] == []
    assert {feature["name"] for feature in result["features"]} == set(FEATURES)


def test_a_run_that_changes_only_the_slices_evaluates_again_and_pushes_nothing(cars: Cars):
    definition = cars.project / "modules" / "dataset.yaml"
    definition.write_text(definition.read_text().replace("slices: [Origin]", "slices: []"))
    versions = serving_versions(cars.output, "cars")

    again = shell(cars.project, ".venv/bin/vtx run")

    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"^  Evaluator\s+executed", again.stdout, re.MULTILINE)
    assert re.search(r"^  Trainer\s+cached", again.stdout, re.MULTILINE)
    assert f"Model: unchanged: version {versions[-1]} already holds this model; nothing pushed" in again.stdout
    assert serving_versions(cars.output, "cars") == versions
