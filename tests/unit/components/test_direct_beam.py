"""Our Beam executors build no sdist of TFX for the DirectRunner, and still do for runners with remote workers."""

from typing import List

import pytest
from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
from tfx.utils import dependency_utils

from components import csv_example_gen, executors, forked_workers
from components.direct_beam import DirectBeamExecutor
from pipeline.config.loader import load_config
from pipeline.dag.factory import create_pipeline

pytestmark = pytest.mark.unit

DIRECT = ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
REMOTE = ["--runner=PortableRunner", "--job_endpoint=127.0.0.1:1"]
BEAM_NODES = ("CsvExampleGen", "StatisticsGen", "Transform", "Evaluator")


@pytest.fixture
def built(monkeypatch) -> List[str]:
    """Each sdist TFX would build, recorded instead of built."""
    packages: List[str] = []

    def fake_package() -> str:
        packages.append("/tmp/tfx_ephemeral.tar.gz")
        return packages[-1]

    monkeypatch.setattr(dependency_utils, "build_ephemeral_package", fake_package)
    return packages


@pytest.fixture(autouse=True)
def installs(monkeypatch) -> List[str]:
    """Each install of forked workers, recorded instead of done (it would start a warm process)."""
    calls: List[str] = []
    monkeypatch.setattr(forked_workers, "install", lambda: calls.append("install"))
    return calls


def context(args: List[str]) -> BaseBeamExecutor.Context:
    return BaseBeamExecutor.Context(beam_pipeline_args=list(args), tmp_dir="/tmp/t", unique_id="1")


@pytest.mark.parametrize(
    "executor_class",
    [
        csv_example_gen.Executor,
        executors.StatisticsGenExecutor,
        executors.TransformExecutor,
        executors.EvaluatorExecutor,
    ],
)
def test_on_the_direct_runner_the_flags_are_kept_and_no_package_is_built(built, executor_class):
    executor = executor_class(context(DIRECT))

    assert built == []
    assert executor._beam_pipeline_args == DIRECT
    assert executor._context.get_tmp_path() == "/tmp/t/1/"


def test_a_runner_with_remote_workers_still_gets_tfx_packaged(built):
    executor = executors.StatisticsGenExecutor(context(REMOTE))

    assert built == ["/tmp/tfx_ephemeral.tar.gz"]
    assert "--extra_package=/tmp/tfx_ephemeral.tar.gz" in executor._beam_pipeline_args


def test_tfx_own_executor_would_build_one_for_the_same_flags(built):
    from tfx.components.statistics_gen import executor as statistics_gen_executor

    statistics_gen_executor.Executor(context(DIRECT))

    assert built == ["/tmp/tfx_ephemeral.tar.gz"]


def test_every_beam_node_of_the_dag_runs_an_executor_without_the_package(tmp_path):
    config = load_config(overrides=[f"output_root={tmp_path}", "beam.direct_num_workers=2"], environ={})

    nodes = {node.id: node for node in create_pipeline(config).components}

    for node_id in BEAM_NODES:
        assert issubclass(nodes[node_id].executor_spec.executor_class, DirectBeamExecutor), node_id
        assert nodes[node_id].executor_spec.beam_pipeline_args == [
            "--pickle_library=cloudpickle",
            "--direct_num_workers=2",
        ]


@pytest.mark.parametrize(("args", "forked"), [(DIRECT, True), (["--direct_num_workers=2"], False), (REMOTE, False)])
def test_the_multi_processing_direct_runner_forks_its_workers_and_no_other(built, installs, args, forked):
    executors.TransformExecutor(context(args))

    assert installs == (["install"] if forked else [])


def test_every_beam_node_of_a_multi_processing_dag_forks_its_workers(tmp_path, built, installs):
    overrides = ["beam.direct_running_mode=multi_processing", "beam.direct_num_workers=2"]
    config = load_config(overrides=[f"output_root={tmp_path}", *overrides], environ={})
    nodes = {node.id: node for node in create_pipeline(config).components}

    for node_id in BEAM_NODES:
        spec = nodes[node_id].executor_spec
        spec.executor_class(context(spec.beam_pipeline_args))

    # `vtx run` starts the warm process early (pipeline/local/execute.py); each Beam node installs it.
    assert installs == ["install"] * len(BEAM_NODES)
