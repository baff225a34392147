"""The thin local runner: the DAG compiled with its run id, handed to LocalDagRunner; forked Beam workers when on."""

from typing import List

import pytest

from components import forked_workers
from pipeline.config.loader import load_config
from pipeline.local import runner

pytestmark = pytest.mark.unit


@pytest.fixture
def steps(monkeypatch) -> List[str]:
    """What run_local did, in order: forked workers installed, the nodes' hook, the DAG handed over."""
    done: List[str] = []

    class Recorder:
        def run_with_ir(self, ir):
            done.append(f"run {ir.runtime_spec.pipeline_run_id.field_value.string_value}")

    monkeypatch.setattr(forked_workers, "install", lambda: done.append("install"))
    monkeypatch.setattr(runner, "LocalDagRunner", Recorder)
    monkeypatch.setattr(runner.loopback, "bind_grpc_to_loopback", lambda: None)
    return done


@pytest.mark.parametrize(
    ("overrides", "installed"),
    [([], False), (["beam.direct_running_mode=multi_processing", "beam.direct_num_workers=2"], True)],
)
def test_the_warm_process_starts_before_the_dag_compiles_only_for_multi_processing(
    steps, tmp_path, monkeypatch, overrides, installed
):
    monkeypatch.setattr(runner.os, "environ", dict(runner.os.environ))  # run_local sets the run's variables
    config = load_config(overrides=[f"output_root={tmp_path}", *overrides], environ={})

    runner.run_local(config, runner.RunContext("run-7", "abc", "fp"), lambda: steps.append("before nodes"))

    assert steps == [*(["install"] if installed else []), "before nodes", "run run-7"]
