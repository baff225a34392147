"""Compiles the DAG into a Vertex AI pipeline job spec (Kubeflow V2, schema 2.1), offline."""

import json
import os
from pathlib import Path
from typing import Any, Dict, List

from components import dataset_identity
from pipeline.config import PipelineConfig
from pipeline.dag import targets
from pipeline.dag.parameters import default_parameter_values

# Our code is in the image (or under modules_uri); TFX must not try to package and upload it.
NO_PACKAGING_ENV = "UNSUPPORTED_DO_NOT_PACKAGE_USER_MODULES"


def baselines_of_this_pipeline(job: Dict[str, Any], pipeline: str, identity: str) -> int:
    """Narrows the Resolver's blessing query to this pipeline's blessings of this dataset; returns how many changed.

    TFX compiles LatestBlessedModelStrategy into a query for the latest blessed ModelBlessing
    (`schema_title="tfx.ModelBlessing" AND state=LIVE AND metadata.blessed.number_value=1`), which names neither
    the pipeline nor the dataset. Our Evaluator records both on every blessing (components/dataset_identity.py),
    so the query asks for them, as Vertex ML Metadata's `metadata.<key>.string_value` clauses.
    """
    clauses = f' AND metadata.{dataset_identity.PIPELINE}.string_value="{pipeline}"'
    clauses += f' AND metadata.{dataset_identity.IDENTITY}.string_value="{identity}"'
    changed = 0
    executors = job.get("pipelineSpec", {}).get("deploymentSpec", {}).get("executors", {})
    for executor in executors.values():
        queries = executor.get("resolver", {}).get("outputArtifactQueries", {})
        for query in queries.values():
            if '"tfx.ModelBlessing"' in query.get("filter", ""):
                query["filter"] += clauses
                changed += 1
    return changed


def resolved_inputs_optional(job: Dict[str, Any]) -> List[str]:
    """Marks each container task's input that a resolver task feeds as optional; returns them as 'Task.input'.

    A resolver finds nothing on a first run (no model blessed yet). kfp-pipeline-spec's ArtifactSpec.is_optional
    says a required input "must be able to resolve to an artifact at runtime"; TFX 1.16's compiler never sets it.
    docs/vertex-ai.md#the-baseline has the sources.
    """
    spec = job.get("pipelineSpec", {})
    components, executors = spec.get("components", {}), spec.get("deploymentSpec", {}).get("executors", {})
    tasks = spec.get("root", {}).get("dag", {}).get("tasks", {})

    def executor_of(task: str) -> Dict[str, Any]:
        return executors.get(components[tasks[task]["componentRef"]["name"]].get("executorLabel"), {})

    marked = []
    for name, task in sorted(tasks.items()):
        if "container" not in executor_of(name):
            continue
        for key, source in sorted(task.get("inputs", {}).get("artifacts", {}).items()):
            producer = source.get("taskOutputArtifact", {}).get("producerTask")
            if producer in tasks and "resolver" in executor_of(producer):
                definitions = components[task["componentRef"]["name"]]["inputDefinitions"]["artifacts"]
                definitions[key]["isOptional"] = True
                marked.append(f"{name}.{key}")
    return marked


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
    identity = dataset_identity.identity(targets.dataset_definition(config))
    if baselines_of_this_pipeline(job, config.pipeline_name, identity) != 1:
        raise RuntimeError("the compiled spec has no blessing query to narrow to this pipeline: has TFX changed?")
    resolved_inputs_optional(job)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(job, indent=2, sort_keys=True))
    tmp.replace(out)
    return out
