"""Unit tests of benchmarks/run.py (`make bench`) that need no benchmark to run: it finds every bench_*.py."""

import pytest

pytestmark = pytest.mark.unit


def test_every_bench_script_is_found_and_a_name_may_omit_the_prefix(bench_modules):
    import run

    found = [path.name for path in run.scripts([])]
    assert {"bench_local_runs.py", "bench_scale.py", "bench_dataflow.py"} <= set(found)
    assert found == sorted(found)
    assert [p.name for p in run.scripts(["scale", "bench_dataflow.py"])] == ["bench_dataflow.py", "bench_scale.py"]


def test_an_unknown_benchmark_is_one_line_before_anything_runs(run_script):
    done = run_script("run.py", "--only", "nonexistent")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"Error: no benchmark bench_nonexistent.py in {run_script.folder}"]
