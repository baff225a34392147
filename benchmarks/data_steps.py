"""Runs the Beam half of the DAG (CsvExampleGen to Transform) on a data folder: the scale benchmark's workload.

Usage: python benchmarks/data_steps.py --data DIR --output DIR --workers N [--mode multi_processing]
"""

import argparse
import datetime

from pipeline.config import PipelineConfig
from pipeline.config.loader import load_config

DATA_NODES = ("CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator", "Transform")


def data_config(data: str, output: str, workers: int, mode: str) -> PipelineConfig:
    """The local profile, its Beam workers and mode set, caching off so each run does the work."""
    return load_config(
        overrides=[
            f"data_root={data}",
            f"output_root={output}",
            f"beam.direct_num_workers={workers}",
            f"beam.direct_running_mode={mode}",
            "enable_cache=false",
        ],
        environ={},
    )


def data_pipeline(config: PipelineConfig):
    """The same nodes `create_pipeline` builds, only those up to Transform."""
    from tfx.orchestration import pipeline as tfx_pipeline

    from pipeline.dag.factory import create_pipeline

    full = create_pipeline(config)
    nodes = [node for node in full.components if node.id in DATA_NODES]
    for node in nodes:
        for downstream in list(node.downstream_nodes):
            if downstream.id not in DATA_NODES:
                node.remove_downstream_node(downstream)
    return tfx_pipeline.Pipeline(
        pipeline_name=full.pipeline_info.pipeline_name,
        pipeline_root=full.pipeline_info.pipeline_root,
        components=nodes,
        enable_cache=False,
        metadata_connection_config=full.metadata_connection_config,
        beam_pipeline_args=full.beam_pipeline_args,
    )


def run(config: PipelineConfig) -> str:
    """Runs the data pipeline with LocalDagRunner; returns its run id."""
    from components import forked_workers

    # Started where `vtx run` starts it (pipeline/local/execute.py): it imports beside the launcher's imports below.
    # Each Beam node's executor then installs it (components/direct_beam.py).
    if forked_workers.forks(config.beam_args()):
        forked_workers.warm()
    from tfx.dsl.compiler import compiler, constants
    from tfx.orchestration.local.local_dag_runner import LocalDagRunner
    from tfx.orchestration.portable import runtime_parameter_utils

    run_id = "scale-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    ir = compiler.Compiler().compile(data_pipeline(config))
    runtime_parameter_utils.substitute_runtime_parameter(ir, {constants.PIPELINE_RUN_ID_PARAMETER_NAME: run_id})
    LocalDagRunner().run_with_ir(ir)
    return run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--mode", default="multi_processing", choices=["in_memory", "multi_threading", "multi_processing"]
    )
    options = parser.parse_args()
    print(run(data_config(options.data, options.output, options.workers, options.mode)))


if __name__ == "__main__":
    main()
