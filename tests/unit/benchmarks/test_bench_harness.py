"""Unit tests of benchmarks/harness.py: the result contract, statistics, and measuring a process tree."""

import json
import sys

import pytest

pytestmark = pytest.mark.unit

RESULT = {
    "name": "demo",
    "title": "Demo",
    "what": "python -c ...",
    "columns": ["a", "b"],
    "rows": [[1, 2]],
    "notes": [],
    "targets": [{"what": "x", "target": "< 1", "measured": "0.5", "met": True}],
}


def test_write_result_writes_the_contract_and_marks_quick_runs(bench_modules, tmp_path, capsys):
    import harness

    path = harness.write_result(str(tmp_path), RESULT, quick=True)
    assert path == tmp_path / "demo.json"
    assert json.loads(path.read_text()) == {**RESULT, "quick": True}
    assert "target: x: < 1; measured 0.5: met" in capsys.readouterr().out


@pytest.mark.parametrize(
    "broken, message",
    [
        ({"targets": None}, "lacks ['targets']"),
        ({"rows": [[1, 2, 3]]}, "has 3 cells for 2 columns"),
        ({"targets": [{"what": "x", "met": True}]}, "must have exactly the keys"),
    ],
)
def test_write_result_refuses_what_breaks_the_contract(bench_modules, tmp_path, broken, message):
    import harness

    result = {**RESULT, **broken}
    if broken.get("targets", 0) is None:
        del result["targets"]
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        harness.write_result(str(tmp_path), result, quick=False)
    assert not (tmp_path / "demo.json").exists()


def test_spread_is_median_and_range(bench_modules):
    import harness

    assert harness.spread([3.0, 1.0, 2.0, 10.0]) == "2.5 (1.0–10.0)"
    assert harness.spread([4.25]) == "4.2"
    assert harness.spread([1000.4, 2000.6], 0) == "1500 (1000–2001)"


def test_run_measured_counts_a_child_process_memory_and_cpu(bench_modules):
    import harness

    # The parent holds little; its child holds 300 MiB and spins for CPU time before both exit.
    script = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', "
        '"import time; b = bytearray(300 * 2**20); t = time.process_time()\\n'
        'while time.process_time() - t < 0.5: pass\\ntime.sleep(0.5)"], check=True)'
    )
    measured = harness.run_measured([sys.executable, "-c", script])
    assert measured.returncode == 0, measured.stderr
    assert measured.peak_mib > 300
    assert measured.cpu_seconds >= 0.5
    assert measured.seconds >= 1.0
