"""Thin local runner: build the DAG, give it a run id, hand it to TFX's LocalDagRunner."""

import os
from dataclasses import dataclass
from typing import Callable, Mapping

from tfx.dsl.compiler import compiler, constants
from tfx.orchestration.local.local_dag_runner import LocalDagRunner
from tfx.orchestration.portable import runtime_parameter_utils

from pipeline.config import PipelineConfig, run_context
from pipeline.dag.factory import create_pipeline
from pipeline.dag.parameters import default_parameter_values
from pipeline.local import loopback, staging


@dataclass(frozen=True)
class RunContext:
    """Facts about this run that executors log, passed to them through the environment."""

    run_id: str
    git_commit: str
    data_fingerprint: str

    def environment(self) -> Mapping[str, str]:
        return {
            run_context.RUN_ID_ENV: self.run_id,
            run_context.GIT_COMMIT_ENV: self.git_commit,
            run_context.DATA_FINGERPRINT_ENV: self.data_fingerprint,
        }


def run_local(config: PipelineConfig, context: RunContext, before_nodes: Callable[[], object] = lambda: None) -> None:
    """Runs the whole DAG in this process; raises whatever a component raised. before_nodes: called once the DAG
    is compiled, before its first node runs."""
    os.environ.update(context.environment())
    os.environ.setdefault("NEPTUNE_DATA_DIRECTORY", config.neptune_dir)
    loopback.bind_grpc_to_loopback()
    ir = compiler.Compiler().compile(create_pipeline(staging.with_project_wheel(config)))
    bindings = {**default_parameter_values(config), constants.PIPELINE_RUN_ID_PARAMETER_NAME: context.run_id}
    runtime_parameter_utils.substitute_runtime_parameter(ir, bindings)
    before_nodes()
    LocalDagRunner().run_with_ir(ir)
