"""benchmarks/bench_preflight.py --quick times the whole-file CSV check on three forms of one file and writes the
shared result format."""

import json

import pytest

pytestmark = pytest.mark.unit


def test_the_quick_preflight_benchmark_writes_a_row_and_a_target_per_form(run_script, tmp_path):
    done = run_script("bench_preflight.py", "--out", str(tmp_path), "--quick")

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "preflight.json").read_text())
    assert result["name"] == "preflight" and result["quick"] is True
    assert [row[0] for row in result["rows"]] == ["no quotes, \\n line ends", "every cell quoted", "CRLF"]
    assert all(len(row) == len(result["columns"]) for row in result["rows"])
    assert all(9 <= float(row[1]) <= 14 for row in result["rows"]), result["rows"]
    assert [t["target"] for t in result["targets"]] == ["<= 1 s per 100 MB"] * 3
