"""The thin local runner: the DAG compiled with its run id, handed to LocalDagRunner after the nodes' hook."""

from typing import List

import pytest

from pipeline.config.loader import load_config
from pipeline.local import runner

pytestmark = pytest.mark.unit


@pytest.fixture
def steps(monkeypatch) -> List[str]:
    """What run_local did, in order: the nodes' hook, the DAG handed over."""
    done: List[str] = []

    class Recorder:
        def run_with_ir(self, ir):
            done.append(f"run {ir.runtime_spec.pipeline_run_id.field_value.string_value}")

    monkeypatch.setattr(runner, "LocalDagRunner", Recorder)
    monkeypatch.setattr(runner.loopback, "bind_grpc_to_loopback", lambda: None)
    return done


@pytest.mark.parametrize("overrides", [[], ["beam.direct_running_mode=multi_processing", "beam.direct_num_workers=2"]])
def test_the_nodes_hook_runs_before_the_dag_is_handed_over_with_the_runs_id(steps, tmp_path, monkeypatch, overrides):
    monkeypatch.setattr(runner.os, "environ", dict(runner.os.environ))  # run_local sets the run's variables
    config = load_config(overrides=[f"output_root={tmp_path}", *overrides], environ={})

    runner.run_local(config, runner.RunContext("run-7", "abc", "fp"), lambda: steps.append("before nodes"))

    # The forked Beam workers are installed by each Beam node's executor (test_direct_beam.py), not here.
    assert steps == ["before nodes", "run run-7"]
