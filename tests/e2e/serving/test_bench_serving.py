"""benchmarks/bench_serving.py --quick runs against a pushed model and writes the shared result format."""

import json
import subprocess
import sys

import pytest

from tests.builders.serving import PROJECT_ROOT, isolated_output

pytestmark = pytest.mark.e2e


def test_the_quick_serving_benchmark_writes_its_table_and_targets(served_run, tmp_path):
    output = isolated_output(served_run, tmp_path / "out")
    command = [sys.executable, "benchmarks/bench_serving.py", "--out", str(tmp_path / "results"), "--quick"]
    done = subprocess.run(
        [*command, "--output", str(output)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "results" / "serving.json").read_text())
    assert set(result) == {"name", "title", "what", "columns", "rows", "notes", "targets"}
    assert result["name"] == "serving"
    assert all(len(row) == len(result["columns"]) for row in result["rows"])
    setups = [(row[0], row[1]) for row in result["rows"]]
    assert ("SavedModel signature in process (the limit)", 1) in setups
    assert ("vtx serve, logging on, batching on", 1) in setups
    assert ("vtx serve, logging on, batching on", 16) in setups
    assert ("vtx serve, logging on, batching on, 4 bad clients alongside", 16) in setups
    checks = {target["what"]: target for target in result["targets"]}
    assert checks["logging on, batching on: every response a 200"]["met"]
    assert checks["logging on, batching on: logged rows after SIGTERM == requests (sampling 1.0)"]["met"]
    mixed = "logging on, batching on, 4 bad clients alongside"
    assert checks[f"{mixed}: good requests answered 200"]["met"], checks[f"{mixed}: good requests answered 200"]
    assert checks[f"{mixed}: every bad request a 4xx, logged as refused"]["met"]
    assert "server overhead at p50" in result["targets"][0]["what"]
    assert result["title"] in done.stdout
