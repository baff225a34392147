"""Unit tests of benchmarks/report.py on hand-made result files: the Markdown and JSON it assembles."""

import json
from pathlib import Path
from typing import Any, Dict

import pytest

pytestmark = pytest.mark.unit


def write_json(path: Path, data: Dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))
    return path


COLD = {
    "name": "cold",
    "title": "Cold run",
    "what": "vtx run --trials 3 on data/, 3 repetitions",
    "columns": ["measure", "median (min–max)", "load 1m"],
    "rows": [["wall s", "71.2 (65.0–80.3)", "2.10"], ["a | pipe", "1", "0.5"]],
    "notes": ["imports measured inside the run"],
    "targets": [{"what": "cold run", "target": "<= 60 s", "measured": "71.2 s", "met": False}],
}
SCALE = {
    "name": "scale",
    "title": "Scale",
    "what": "data steps at 1M rows",
    "columns": ["rows", "rows/s"],
    "rows": [["1,000,000", "25000"]],
    "notes": [],
    "targets": [{"what": "peak memory", "target": "< 4096 MiB", "measured": "1800 MiB", "met": True}],
    "quick": True,
}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    write_json(folder / "scale.json", SCALE)
    write_json(folder / "cold.json", COLD)
    run = {
        "machine": {
            "taken": "2026-12-02 03:00:00 UTC",
            "cpu_model": "Test CPU 9000",
            "logical_cores": 2,
            "physical_cores": 1,
            "memory_gib": 23.4,
            "load_average": [3.25, 2.0, 1.0],
            "os": "Linux 6",
            "git_commit": "abc123",
        },  # fmt: skip
        "failed": [{"script": "bench_serving.py", "returncode": 1, "error": "RuntimeError: port in use"}],
    }
    write_json(folder / "_run.json", run)
    return folder


def report(run_script, folder: Path, tmp_path: Path):
    return run_script(
        "report.py", "--results", str(folder), "--markdown", str(tmp_path / "B.md"), "--json", str(tmp_path / "B.json")
    )


def test_markdown_has_machine_versions_targets_and_every_result(run_script, results, tmp_path):
    done = report(run_script, results, tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "B.md").read_text()
    assert "| CPU model | Test CPU 9000 |" in text
    assert "| cores (logical / physical) | 2 / 1 |" in text
    assert "| load average 1, 5, 15 min at start | 3.25, 2.00, 1.00 (2026-12-02 03:00:00 UTC) |" in text
    assert "| tfx | 1.16.0 |" in text
    assert "| cold | cold run | <= 60 s | 71.2 s | **no** |" in text
    assert "| scale | peak memory | < 4096 MiB | 1800 MiB | yes |" in text
    # Results in name order, each with its command, table (pipes escaped) and notes.
    assert text.index("## Cold run") < text.index("## Scale (quick smoke run, not a recorded result)")
    assert "`benchmarks/bench_cold.py`: vtx run --trials 3 on data/, 3 repetitions" in text
    assert "| measure | median (min–max) | load 1m |\n|---|---|---|\n| wall s | 71.2 (65.0–80.3) | 2.10 |" in text
    assert "| a \\| pipe | 1 | 0.5 |" in text
    assert "- imports measured inside the run" in text
    assert "- `bench_serving.py` exited with 1: RuntimeError: port in use" in text


def test_json_holds_machine_versions_and_the_results_unchanged(run_script, results, tmp_path):
    assert report(run_script, results, tmp_path).returncode == 0
    data = json.loads((tmp_path / "B.json").read_text())
    assert data["machine"]["cpu_model"] == "Test CPU 9000"
    assert data["versions"]["tfx"] == "1.16.0"
    assert [r["name"] for r in data["results"]] == ["cold", "scale"]
    assert data["results"][0] == COLD
    assert data["failed"][0]["script"] == "bench_serving.py"


def test_a_result_missing_contract_keys_is_one_line_and_exit_2(run_script, results, tmp_path):
    write_json(results / "broken.json", {"name": "broken", "rows": []})
    done = report(run_script, results, tmp_path)
    assert done.returncode == 2
    missing = "title, what, columns, notes, targets"
    assert done.stderr.strip().splitlines() == [
        f"Error: {results / 'broken.json'} lacks the keys {missing} of the benchmark contract"
    ]
    assert not (tmp_path / "B.md").exists()


def test_an_unreadable_result_or_an_empty_folder_is_one_line_and_exit_2(run_script, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = report(run_script, empty, tmp_path)
    assert (done.returncode, done.stderr) == (2, f"Error: no result files in {empty}; run `make bench` first\n")
    (empty / "bad.json").write_text("{not json")
    done = report(run_script, empty, tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"Error: {empty / 'bad.json'} is not a readable JSON result")
    assert len(done.stderr.strip().splitlines()) == 1


def test_without_the_runner_file_the_machine_is_taken_at_report_time(run_script, results, tmp_path):
    (results / "_run.json").unlink()
    assert report(run_script, results, tmp_path).returncode == 0
    text = (tmp_path / "B.md").read_text()
    assert "| CPU model | Test CPU 9000 |" not in text
    assert "| memory |" in text and "Failed benchmarks" not in text
