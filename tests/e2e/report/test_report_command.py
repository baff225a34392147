"""`vtx run` writes its report and prints the path; `vtx report` writes one for the latest run or a named one."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders.pipeline_runs import PROJECT_ROOT, VTX, Run, StoppedRun

pytestmark = pytest.mark.e2e


def test_every_run_prints_its_report(first_run: Run, stopped_run: StoppedRun):
    for run in (first_run, stopped_run.run):
        assert run.report == run.output / "reports" / f"run-{run.run_id}.html"
        page = run.report.read_text()
        assert f"Pipeline run <code>{run.run_id}</code>" in page
        # Self-contained: no script, no stylesheet or image to fetch, no address but the SVG namespaces.
        assert not re.search(r"<script|<link|<img|@import|url\((?!#)", page)
        assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        }


def _vtx_report(output: Path, run_id: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [VTX, "report", "--output", str(output), "--run", run_id, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


def test_vtx_report_writes_the_named_run_where_asked(second_run: Run, first_run: Run, tmp_path: Path):
    out = tmp_path / "ci" / "report.html"
    done = _vtx_report(second_run.output, first_run.run_id, out)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == f"Report of run {first_run.run_id}: {out}\n"
    assert "Blessed and pushed" in out.read_text()


def test_vtx_report_refuses_an_unknown_run_with_one_line(first_run: Run, tmp_path: Path):
    done = subprocess.run(
        [VTX, "report", "--output", str(first_run.output), "--run", "20990101-000000-000"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert re.fullmatch(r"Error: no run '20990101-000000-000' in \S+; the latest runs are: [\d, -]+\n", done.stderr)


def _worker_answer(run: Run, path: Path) -> dict:
    """What `vtx run`'s report worker (pipeline/report/worker.py, no TensorFlow in it) answers for the run."""
    import json

    job = {
        "metadata_path": str(run.output / "metadata.sqlite"),
        "pipeline_name": "vertex-tfx-penguins",
        "run_id": run.run_id,
        "path": str(path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.report.worker"],
        input=json.dumps(job) + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    ready, answer = done.stdout.splitlines()
    assert ready == "ready"
    return json.loads(answer)


def test_the_worker_draws_the_page_vtx_report_draws_with_tensorflow(
    first_run: Run, not_blessed_run: Run, stopped_run: StoppedRun, tmp_path: Path
):
    for run in (first_run, not_blessed_run):
        drawn, expected = tmp_path / f"worker-{run.run_id}.html", tmp_path / f"report-{run.run_id}.html"
        assert _worker_answer(run, drawn) == {"path": str(drawn)}
        done = _vtx_report(run.output, run.run_id, expected)
        assert done.returncode == 0, done.stdout + done.stderr
        # Byte for byte: the same statistics, schema, signatures, eval config, metrics and failed thresholds.
        assert drawn.read_bytes() == expected.read_bytes()
    assert "below the threshold" in (tmp_path / f"worker-{not_blessed_run.run_id}.html").read_text()
    # A stopped validator's anomalies are recomputed by TFDV: the worker leaves that page to the run's process.
    answer = _worker_answer(stopped_run.run, tmp_path / "stopped.html")
    assert list(answer) == ["redo"] and not (tmp_path / "stopped.html").exists()
