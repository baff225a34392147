"""Pushes a blessed model to the Vertex AI Model Registry as a new version and deploys it to the staging endpoint."""

import json
import logging
import os
from typing import Dict, Union

from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.dsl.io import fileio
from tfx.types import standard_artifacts
from tfx.utils import path_utils

from components import evaluation_facts
from components.vertex import endpoint as vertex_endpoint
from components.vertex import registry as vertex_registry

BLESSED_KEY = "blessed"
CANDIDATE_ALIAS = "candidate"
PRODUCTION_ALIAS = "production"
STAGING_ALIAS = "staging"
FACTS_FILE = "vertex_push.json"


@component
def VertexPusher(  # noqa: N802 - TFX names components in CamelCase
    model: InputArtifact[standard_artifacts.Model],
    model_blessing: InputArtifact[standard_artifacts.ModelBlessing],
    evaluation: InputArtifact[standard_artifacts.ModelEvaluation],
    pushed_model: OutputArtifact[standard_artifacts.PushedModel],
    project: Parameter[str],
    region: Parameter[str],
    model_display_name: Parameter[str],
    serving_container: Parameter[str],
    stage: Parameter[str],
    endpoint_display_name: Parameter[str],
    machine_type: Parameter[str],
    min_replicas: Parameter[int],
    max_replicas: Parameter[int],
    traffic_percentage: Parameter[int],
    request_logging: Parameter[int],
    logging_sampling_rate: Parameter[float],
    logging_bigquery_table: Parameter[str],
    labels: Parameter[str],
    pipeline_run_id: Parameter[str],
    service_account: Parameter[str] = "",
    api_endpoint: Parameter[str] = "",
) -> None:
    """Uploads the blessed model as a new version of `model_display_name` and deploys it to the `stage` endpoint.

    A model that is not blessed sends nothing to Vertex AI; `pushed_model` then says why. A blessed one gets
    alias `candidate` on upload and `stage` (staging) once deployed; production is `vtx promote`'s alone.
    Labels: `labels` (a JSON object), the pipeline run and the overall metrics of `evaluation`. It takes
    `traffic_percentage` of the endpoint's traffic; at 100 the models deployed before are undeployed.
    `request_logging` (0/1) with the sampling rate and BigQuery table ("" = bq://<project>) is applied to
    the endpoint. `serving_container` is the
    version's ModelContainerSpec as REST JSON (image, command, args, routes, ports). `api_endpoint` replaces
    Google's endpoint; an http:// one (a loopback fake) is called over REST without credentials.
    """
    container = vertex_registry.container_spec(serving_container)
    deployment = vertex_endpoint.Deployment(
        machine_type, min_replicas, max_replicas, traffic_percentage, service_account
    )
    logging_config = vertex_endpoint.RequestLogging(
        bool(request_logging), logging_sampling_rate, logging_bigquery_table, project
    )
    version_labels = {
        **evaluation_facts.extra_labels(labels),
        "pipeline_run": evaluation_facts.label_value(pipeline_run_id.rstrip("/").rsplit("/", 1)[-1]),
    }
    if model_blessing.get_int_custom_property(BLESSED_KEY) != 1:
        reason = evaluation_facts.not_blessed_reason(evaluation.uri)
        logging.warning("VertexPusher pushed nothing: %s", reason)
        _record(pushed_model, {"pushed": 0, "reason": reason})
        return
    version_labels.update(evaluation_facts.metric_labels(evaluation.uri))

    serving_dir = _serving_dir(model.uri, api_endpoint)
    vertex_registry.connect(project, region, api_endpoint)
    version = vertex_registry.find_version(model_display_name, serving_dir)
    held = [a for a in (stage, PRODUCTION_ALIAS) if a in (version.version_aliases or [])] if version else []
    if version is not None and held:
        reason = f"this model is already version {version.version_id} in {held[0]}; nothing to push"
        logging.info("VertexPusher: %s", reason)
        _record(pushed_model, {"pushed": 0, "reason": reason, "pushed_version": version.version_id})
        return
    if version is None:
        version_labels[vertex_registry.ARTIFACT_LABEL] = vertex_registry.artifact_label(serving_dir)
        version = vertex_registry.upload_version(
            model_display_name, serving_dir, container, version_labels, CANDIDATE_ALIAS
        )
    endpoint = vertex_endpoint.endpoint_for(endpoint_display_name, logging_config)
    deployed_model_id = vertex_endpoint.deploy(endpoint, version, deployment)
    vertex_registry.move_alias(version, stage)
    _record(
        pushed_model,
        {
            "pushed": 1,
            "pushed_destination": version.versioned_resource_name,
            "pushed_version": version.version_id,
            "endpoint": endpoint.resource_name,
            "stage": str(stage),
            "deployed_model_id": deployed_model_id,
        },
    )


def _serving_dir(model_uri: str, api_endpoint: str = "") -> str:
    """Where the Trainer put the SavedModel; Vertex AI reads it straight from Cloud Storage.

    A loopback fake (an http:// api_endpoint, as `vtx rehearse` uses) takes a local folder too.
    """
    serving_dir = path_utils.serving_model_dir(model_uri)
    if not serving_dir.startswith("gs://") and not api_endpoint.startswith("http://"):
        raise ValueError(f"VertexPusher needs the model on Cloud Storage (gs://...), not {serving_dir}")
    return serving_dir


def _record(pushed_model: standard_artifacts.PushedModel, facts: Dict[str, Union[int, str]]) -> None:
    """The facts as custom properties of `pushed_model`, and as a JSON file in it."""
    for key, value in facts.items():
        if isinstance(value, int):
            pushed_model.set_int_custom_property(key, value)
        else:
            pushed_model.set_string_custom_property(key, value)
    fileio.makedirs(pushed_model.uri)
    with fileio.open(os.path.join(pushed_model.uri, FACTS_FILE), "w") as facts_file:
        facts_file.write(json.dumps(facts, indent=2, sort_keys=True) + "\n")
    logging.info("VertexPusher: %s", facts)
