"""`vtx run` writes its report and prints the path; `vtx report` writes one for the latest run or a named one."""

import re
import subprocess
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


def test_vtx_report_writes_the_named_run_where_asked(second_run: Run, first_run: Run, tmp_path: Path):
    out = tmp_path / "ci" / "report.html"
    done = subprocess.run(
        [VTX, "report", "--output", str(second_run.output), "--run", first_run.run_id, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )

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
