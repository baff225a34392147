"""pipeline.report.validation on real runs: no anomalies, or those that stopped the run; the curated schema."""

import re

import pytest

from pipeline.report import runs, validation
from tests.builders.pipeline_runs import PROJECT_ROOT, StoppedRun

pytestmark = pytest.mark.e2e


def test_clean_data_has_no_anomalies_under_the_curated_schema(pushed: runs.RunRecord):
    section = validation.extract(pushed.nodes)
    reviewed = re.findall(r'^\s*name: "(\w+)"', (PROJECT_ROOT / "modules" / "schema.pbtxt").read_text(), re.M)

    assert (section.status, section.anomalies, section.recomputed) == ("passed", [], False)
    assert section.source == "curated"
    features = {f.name: f for f in section.features}
    assert set(features) <= set(reviewed) and "bill_length_mm" in features
    assert features["island"].domain == "Biscoe, Dream, Torgersen"
    assert features["bill_length_mm"].type == "FLOAT"


def test_a_stopped_run_shows_the_anomalies_the_console_printed(stopped: runs.RunRecord, stopped_run: StoppedRun):
    section = validation.extract(stopped.nodes)
    printed = re.findall(r"^  \[(\w+)\] (\S+): (.+)$", stopped_run.run.stdout, re.M)

    assert section.status == "failed" and section.recomputed
    assert sorted((a.split, a.feature, a.description) for a in section.anomalies) == sorted(printed)
    assert {a.feature for a in section.anomalies} == {"bill_length_mm"}
