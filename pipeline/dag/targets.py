"""What differs between running here and on Vertex AI, decided from config alone."""

from typing import Any, Dict, Optional

from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy
from tfx.types import Channel

from components import baseline_resolver, dataset_identity, executors
from pipeline import contract
from pipeline.config import PipelineConfig
from pipeline.config.tracking import SETTINGS_KEY
from pipeline.config.uri import join_uri
from pipeline.dag import fingerprint, serving_container

# custom_config key of the seed that modules/runtime/determinism.py reads (a copy there; a unit test holds them equal).
SEED_KEY = "seed"
# custom_config key (TFX's REMOTE_TRIALS_WORKING_DIR_KEY) of the folder a Vertex AI tuning job keeps its trials in;
# modules/runtime/tuning.py reads it (a copy there; a unit test holds the three equal).
TRIALS_DIR_KEY = "remote_trials_working_dir"


def dataset_definition(config: PipelineConfig) -> Dict[str, Any]:
    """What makes a model's dataset identity (components/dataset_identity.py), from modules/dataset.yaml."""
    dataset = config.dataset
    return {
        "name": dataset.name,
        "label": dataset.label,
        "numeric": list(dataset.features.numeric),
        "categorical": list(dataset.features.categorical),
        "date": list(dataset.features.date),
    }


def user_code_config(config: PipelineConfig, entry_fn: str, tracked: bool = False) -> Dict[str, Any]:
    """custom_config of a component that runs modules/ code; `tracked` adds where its runs are tracked.

    The fingerprint of the entry module's imports, and the dataset definition modules/ reads, re-run the
    component when either changes; Tuner and Trainer (tracked=True) also get the seed.
    """
    custom: Dict[str, Any] = {
        "code_fingerprint": fingerprint.code_fingerprint(config.modules.package_dir, entry_fn),
        dataset_identity.CONFIG_KEY: dataset_definition(config),
    }
    if tracked:
        custom[SEED_KEY] = config.training.seed
    vertex = config.vertex
    modules = config.modules_location()
    if modules:
        custom[executors.MODULES_URI] = modules
    if tracked:
        custom[SETTINGS_KEY] = config.tracking_settings()
    if vertex and tracked and config.tracking.backend == "neptune":
        if vertex.neptune.project:
            custom[executors.NEPTUNE_PROJECT] = vertex.neptune.project
        secret = vertex.secret_version()
        if secret:
            custom[executors.NEPTUNE_SECRET] = secret
    return custom


def export_config(config: PipelineConfig) -> Dict[str, Any]:
    """custom_config of the Trainer for what the exported serving_default takes, when not serialized examples.

    Left out for the default, so that the Trainer's cache key is what it was before the choice existed.
    """
    inputs = serving_container.default_inputs(config)
    return {} if inputs == contract.DEFAULT_TAKES_EXAMPLES else {contract.DEFAULT_INPUTS_KEY: inputs}


def _job_labels(config: PipelineConfig) -> Dict[str, str]:
    return {"pipeline": config.pipeline_name, **(config.vertex.labels if config.vertex else {})}


def _pool(machine: Dict[str, Any], replicas: int, image: str) -> Dict[str, Any]:
    return {"machine_spec": dict(machine), "replica_count": replicas, "container_spec": {"image_uri": image}}


def trainer_job(config: PipelineConfig) -> Optional[Dict[str, Any]]:
    """custom_config keys that make TFX's Vertex launcher run the Trainer as a custom job, if configured."""
    vertex = config.vertex
    if not vertex or not vertex.training.enabled:
        return None
    training = vertex.training
    machine: Dict[str, Any] = {"machine_type": training.machine_type}
    if training.accelerator_type:
        machine.update(accelerator_type=training.accelerator_type, accelerator_count=training.accelerator_count)
    # Vertex AI wants exactly one replica in pool 0 (the primary); further replicas are pool 1.
    pools = [_pool(machine, 1, vertex.image)]
    if training.replica_count > 1:
        pools.append(_pool(machine, training.replica_count - 1, vertex.image))
    job_spec: Dict[str, Any] = {"worker_pool_specs": pools}
    if vertex.service_account:
        job_spec["service_account"] = vertex.service_account
    job = {"project": vertex.project, "job_spec": job_spec, "labels": _job_labels(config)}
    return {
        "ai_platform_enable_vertex": True,
        "ai_platform_vertex_region": vertex.region,
        "ai_platform_training_args": job,
    }


def tuner_job(config: PipelineConfig) -> Optional[Dict[str, Any]]:
    """custom_config keys for a Vertex tuning job: a chief and parallel_trials - 1 workers."""
    vertex = config.vertex
    if not vertex or not vertex.tuning.enabled:
        return None
    job_spec: Dict[str, Any] = {
        "worker_pool_specs": [_pool({"machine_type": vertex.tuning.machine_type}, 1, vertex.image)]
    }
    if vertex.service_account:
        job_spec["service_account"] = vertex.service_account
    return {
        "ai_platform_enable_vertex": True,
        "ai_platform_vertex_region": vertex.region,
        "ai_platform_tuning_args": {"project": vertex.project, "job_spec": job_spec, "labels": _job_labels(config)},
        # The job's workers would keep their trials in their own /tmp, lost with the job.
        TRIALS_DIR_KEY: join_uri(vertex.pipeline_root, "tuner"),
    }


def resolver_inputs(config: PipelineConfig, candidate: Channel) -> Dict[str, Any]:
    """The baseline resolver's strategy and extra inputs.

    Locally the baseline excludes the candidate and models of other datasets (see baseline_resolver).
    Kubeflow V2 compiles only TFX's own LatestBlessedModelStrategy, so on Vertex the pusher skips a model it
    already pushed, the compiled blessing query asks for the dataset's identity (vertex/compile.py), and the
    Evaluator drops a baseline of another dataset (components/executors.py).
    """
    if config.vertex:
        return {"strategy_class": LatestBlessedModelStrategy}
    return {"strategy_class": baseline_resolver.LatestBlessedBaselineStrategy, "candidate": candidate}
