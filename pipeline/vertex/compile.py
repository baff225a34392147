"""Compiles the DAG into a Vertex AI pipeline job spec (Kubeflow V2, schema 2.1), offline."""

import json
import os
from pathlib import Path
from typing import Any, Dict

from pipeline.config import PipelineConfig
from pipeline.dag.parameters import SETTINGS

# Our code is in the image (or under modules_uri); TFX must not try to package and upload it.
NO_PACKAGING_ENV = "UNSUPPORTED_DO_NOT_PACKAGE_USER_MODULES"


def default_parameter_values(config: PipelineConfig) -> Dict[str, Any]:
    """Each runtime parameter's value from the settings: what a run gets unless --param says otherwise."""
    values: Dict[str, Any] = {}
    for name, dotted in SETTINGS.items():
        value: Any = config
        for part in dotted.split("."):
            value = getattr(value, part)
        values[name] = value
    return values


def default_spec_path(config: PipelineConfig) -> Path:
    """Where `vtx compile` writes the spec unless told otherwise."""
    return Path(config.output_root) / "pipeline.json"


def compile_for_vertex(config: PipelineConfig, out: Path) -> Path:
    """Writes the pipeline job JSON to `out`; needs neither network nor credentials.

    A setting the DAG cannot be built with (e.g. serving.ServingChoiceError) is raised before anything is written.
    """
    if not config.vertex:
        raise ValueError("compiling for Vertex AI needs the vertex settings: use --profile vertex")
    os.environ[NO_PACKAGING_ENV] = "1"
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

    from pipeline.dag.factory import create_pipeline

    dag = create_pipeline(config)
    runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
        config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
            display_name=config.pipeline_name, default_image=config.vertex.image, use_pipeline_spec_2_1=True
        ),
        output_dir=str(out.parent),
        output_filename=out.name,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    job = runner.run(dag, parameter_values=default_parameter_values(config), write_out=False)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(job, indent=2, sort_keys=True))
    tmp.replace(out)
    return out
