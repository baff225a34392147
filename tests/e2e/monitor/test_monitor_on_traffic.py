"""`vtx monitor` on traffic generated from data/ and logged for the first run's pushed model."""

import datetime
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.report import runs
from tests.builders import request_traffic
from tests.builders.pipeline_runs import PROJECT_ROOT, VTX, Run, serving_versions

pytestmark = pytest.mark.e2e

END = datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
SERVED = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island", "sex"}


@dataclass
class Monitored:
    done: subprocess.CompletedProcess
    result: dict
    html: str


def monitor(first_run: Run, folder: Path, shift: bool) -> Monitored:
    """A normal day, then a day of normal or shifted traffic, then `vtx monitor` on the second day."""
    version = serving_versions(first_run.output)[-1]
    requests = folder / "requests.duckdb"
    request_traffic.write_requests(requests, request_traffic.resampled(400, seed=1), END - 2 * DAY, END - DAY, version)
    current = request_traffic.resampled(400, seed=2)
    current = request_traffic.shifted(current, seed=3) if shift else current
    request_traffic.write_requests(requests, current, END - DAY, END, version)
    command = [VTX, "monitor", "--output", str(first_run.output), "--requests", str(requests)]
    command += ["--end", "2030-01-02", "--out-dir", str(folder / "monitoring")]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VTX_")}
    done = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=PROJECT_ROOT, timeout=600)
    result = json.loads((folder / "monitoring" / "monitor-20300102-000000.json").read_text())
    html = (folder / "monitoring" / "monitor-20300102-000000.html").read_text()
    return Monitored(done, result, html)


@pytest.fixture(scope="module")
def calm(first_run: Run, tmp_path_factory) -> Monitored:
    return monitor(first_run, tmp_path_factory.mktemp("monitor-calm"), shift=False)


@pytest.fixture(scope="module")
def shifted(first_run: Run, tmp_path_factory) -> Monitored:
    return monitor(first_run, tmp_path_factory.mktemp("monitor-shifted"), shift=True)


def test_traffic_resampled_from_the_training_data_raises_no_alert(calm: Monitored, first_run: Run):
    version = serving_versions(first_run.output)[-1]

    assert calm.done.returncode == 0, calm.done.stdout + calm.done.stderr
    assert calm.done.stdout.splitlines()[0] == (
        f"vtx monitor 2030-01-01 00:00 UTC to 2030-01-02 00:00 UTC: 134 requests, 400 instances, "
        f"model {version}: OK, no threshold exceeded in 6 features"
    )
    assert calm.result["status"] == "ok" and calm.result["flagged"] == []
    assert {f["name"] for f in calm.result["features"]} == SERVED
    for feature in calm.result["features"]:
        assert feature["skew"]["value"] < feature["skew"]["threshold"] == 0.1, feature
        assert feature["drift"]["value"] < feature["drift"]["threshold"], feature
        assert feature["anomalies"] == []
    assert calm.result["previous_window"]["instances"] == 400


def test_the_training_data_is_found_through_lineage_from_the_served_version(calm: Monitored, first_run: Run):
    record = runs.load(str(first_run.output / "metadata.sqlite"), "vertex-tfx-penguins", first_run.run_id)
    model = calm.result["model"]

    assert model["version"] == serving_versions(first_run.output)[-1]
    assert model["served_by"] == {model["version"]: 134}
    assert model["training_run"] == first_run.run_id
    assert model["statistics"] == record.nodes["StatisticsGen"].outputs["statistics"][0].uri
    assert model["schema"] == record.nodes["Transform"].inputs["schema"][0].uri


def test_shifted_bills_and_a_new_island_flag_exactly_those_features(shifted: Monitored):
    features = {f["name"]: f for f in shifted.result["features"]}

    assert shifted.done.returncode == 1, shifted.done.stdout + shifted.done.stderr
    assert shifted.result["status"] == "alert" and shifted.result["flagged"] == ["bill_length_mm", "island"]
    for name in ("bill_length_mm", "island"):
        assert features[name]["skew"]["exceeded"] and features[name]["drift"]["exceeded"], features[name]
    assert features["bill_length_mm"]["skew"]["metric"] == "Jensen-Shannon"
    assert features["island"]["skew"]["metric"] == "L-infinity"
    assert any("Atlantis" in anomaly for anomaly in features["island"]["anomalies"])
    assert not any(features[name]["flagged"] for name in SERVED - {"bill_length_mm", "island"})
    summary = shifted.done.stdout.splitlines()[0]
    assert re.search(
        r": ALERT 2 of 6 features flagged: bill_length_mm \(skew .*\); island \(skew .*schema anomaly\)$", summary
    )


def test_the_report_plots_the_flagged_features_first(shifted: Monitored):
    plots = re.findall(r'<figure id="plot-([\w.]+)" class="(flagged)?">\s*<svg', shifted.html)

    assert [name for name, _ in plots][:2] == ["bill_length_mm", "island"]
    assert {name for name, _ in plots} == SERVED
    assert [name for name, flagged in plots if flagged] == ["bill_length_mm", "island"]
    for name in ("bill_length_mm", "island"):
        figure = shifted.html.split(f'<figure id="plot-{name}"')[1].split("</figure>")[0]
        assert f">{name}<" in figure and ">train<" in figure and ">serving<" in figure
    assert "Atlantis" in shifted.html.split('<figure id="plot-island"')[1].split("</figure>")[0]
    assert "<script" not in shifted.html and "<link" not in shifted.html and "src=" not in shifted.html
