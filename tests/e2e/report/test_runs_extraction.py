"""pipeline.report.runs on real runs: the latest run, a run by id, and the facts `vtx run` recorded."""

import hashlib
import subprocess

import pytest

from pipeline.report import runs
from tests.builders.pipeline_runs import PROJECT_ROOT, Run
from tests.e2e.report.conftest import PIPELINE

pytestmark = pytest.mark.e2e


def test_a_run_by_id_has_every_node_and_the_recorded_facts(first_run: Run, pushed: runs.RunRecord):
    head = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    data = hashlib.sha256((PROJECT_ROOT / "data" / "penguins.csv").read_bytes()).hexdigest()[:16]

    assert pushed.run_id == first_run.run_id
    assert len(pushed.nodes) == 10
    assert pushed.facts["git_commit"] == head.stdout.strip()
    assert pushed.facts["data_fingerprint"] == data
    assert pushed.facts["data_root"] == str(PROJECT_ROOT / "data")
    assert 10.0 < float(pushed.facts["wall_seconds"]) < 900.0  # type: ignore[arg-type]


def test_without_a_run_id_the_latest_run_is_read(second_run: Run, cached: runs.RunRecord):
    latest = runs.load(str(second_run.output / "metadata.sqlite"), PIPELINE)
    all_runs = runs.mlmd.pipeline_runs(runs.mlmd.open_store(str(second_run.output / "metadata.sqlite")))

    assert latest.run_id == all_runs[-1].name
    assert cached.run_id in [run.name for run in all_runs]


def test_an_unknown_run_id_names_the_latest_runs(first_run: Run):
    with pytest.raises(runs.ReportError, match=r"no run 'nope' in .*metadata.sqlite; the latest runs are: \d{8}-"):
        runs.load(str(first_run.output / "metadata.sqlite"), PIPELINE, "nope")
