"""Beam steps on the portable runner with isolated workers: they run there, with the DirectRunner's results."""

import json
import math
from pathlib import Path
from typing import Any, Dict

import pytest

from pipeline import mlmd
from tests.builders.pipeline_runs import Run

pytestmark = pytest.mark.e2e

BEAM_STEPS = ["CsvExampleGen", "StatisticsGen", "Transform", "Evaluator"]


def _nodes(run: Run) -> Dict[str, mlmd.NodeRun]:
    return mlmd.node_runs(mlmd.open_store(str(run.output / "metadata.sqlite")), "vertex-tfx-penguins", run.run_id)


def _uri(run: Run, node: str, key: str) -> Path:
    return Path(_nodes(run)[node].outputs[key][0].uri)


def _close(left: Any, right: Any, where: str = "") -> None:
    """Equal, except floats, which may differ in the last bits with another order of combining."""
    if isinstance(left, float) or isinstance(right, float):
        assert math.isclose(float(left), float(right), rel_tol=1e-6, abs_tol=1e-9), where
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            _close(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), where
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            _close(a, b, f"{where}[{index}]")
    else:
        assert left == right, where


def test_every_beam_step_runs_on_the_workers_with_the_staged_wheel(portable_run: Run):
    started = [json.loads(line) for line in (portable_run.cluster / "pool" / "started.jsonl").read_text().splitlines()]
    # One job, and so at least one worker, per Beam step; each given the project's wheel to install.
    assert len(started) >= len(BEAM_STEPS)
    for worker in started:
        assert any(name.startswith("vertex_tfx-") and name.endswith(".whl") for name in worker["staged"]), worker
    assert {name: _nodes(portable_run)[name].status for name in BEAM_STEPS} == dict.fromkeys(BEAM_STEPS, "executed")


def test_the_vocabularies_equal_the_direct_runners(portable_run: Run, first_run: Run):
    portable = _uri(portable_run, "Transform", "transform_graph") / "transform_fn" / "assets"
    direct = _uri(first_run, "Transform", "transform_graph") / "transform_fn" / "assets"
    names = sorted(path.name for path in direct.iterdir())
    assert names and names == sorted(path.name for path in portable.iterdir())
    for name in names:
        assert (portable / name).read_bytes() == (direct / name).read_bytes(), name


def test_the_statistics_equal_the_direct_runners(portable_run: Run, first_run: Run):
    from google.protobuf import json_format
    from tensorflow_metadata.proto.v0 import statistics_pb2

    for split in ("Split-train", "Split-eval"):
        found = []
        for run in (portable_run, first_run):
            stats = statistics_pb2.DatasetFeatureStatisticsList()
            stats.ParseFromString((_uri(run, "StatisticsGen", "statistics") / split / "FeatureStats.pb").read_bytes())
            found.append(json_format.MessageToDict(stats))
        _close(found[0], found[1], split)


def test_the_accuracy_equals_the_direct_runners(portable_run: Run, first_run: Run):
    import tensorflow_model_analysis as tfma

    accuracy = []
    for run in (portable_run, first_run):
        result = tfma.load_eval_result(str(_uri(run, "Evaluator", "evaluation")))
        overall = [metrics for key, metrics in result.slicing_metrics if not key][0]
        accuracy.append(overall[""][""]["accuracy"]["doubleValue"])
    assert accuracy[0] == accuracy[1]
    assert "Verdict: BLESSED" in portable_run.stdout
