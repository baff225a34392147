"""Vertex AI endpoint calls of the VertexPusher: find or create the endpoint, its request logging, deployments."""

import logging
import math
from dataclasses import dataclass
from typing import List

from google.cloud import aiplatform
from google.cloud.aiplatform_v1.types import BigQueryDestination, PredictRequestResponseLoggingConfig
from google.cloud.aiplatform_v1.types import Endpoint as EndpointProto
from google.protobuf import field_mask_pb2

from components.vertex.registry import step

_LOGGING_FIELD = "predict_request_response_logging_config"


@dataclass(frozen=True)
class RequestLogging:
    """Request-response logging to BigQuery; an empty table means bq://<project>, where Vertex makes its own."""

    enabled: bool
    sampling_rate: float
    bigquery_table: str
    project: str

    def __post_init__(self) -> None:
        if self.enabled and not 0.0 < self.sampling_rate <= 1.0:
            raise ValueError(f"logging_sampling_rate must be in (0, 1], not {self.sampling_rate}")
        if self.bigquery_table and not self.bigquery_table.startswith("bq://"):
            raise ValueError(f"logging_bigquery_table must start with bq://, not {self.bigquery_table!r}")

    def config(self, current: PredictRequestResponseLoggingConfig) -> PredictRequestResponseLoggingConfig:
        """The config the endpoint should have; with no table configured, a destination Vertex made stays."""
        if not self.enabled:
            return PredictRequestResponseLoggingConfig(enabled=False)
        kept = current.bigquery_destination.output_uri if current.enabled else ""
        destination = self.bigquery_table or kept or f"bq://{self.project}"
        return PredictRequestResponseLoggingConfig(
            enabled=True,
            sampling_rate=self.sampling_rate,
            bigquery_destination=BigQueryDestination(output_uri=destination),
        )


@dataclass(frozen=True)
class Deployment:
    """How the new version is served, and the share of the endpoint's traffic it gets."""

    machine_type: str
    min_replicas: int
    max_replicas: int
    traffic_percentage: int
    service_account: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.traffic_percentage <= 100:
            raise ValueError(f"traffic_percentage must be in 1..100, not {self.traffic_percentage}")
        if not 1 <= self.min_replicas <= self.max_replicas:
            raise ValueError(f"need 1 <= min_replicas <= max_replicas, not {self.min_replicas}, {self.max_replicas}")


def endpoint_for(display_name: str, request_logging: RequestLogging) -> aiplatform.Endpoint:
    """The endpoint named `display_name` (the oldest if several), created if missing, logging as configured."""
    with step(f"looking up endpoint {display_name!r}"):
        found = aiplatform.Endpoint.list(filter=f'display_name="{display_name}"', order_by="create_time")
    if found:
        ensure_logging(found[0], request_logging)
        return found[0]
    wanted = request_logging.config(PredictRequestResponseLoggingConfig())
    with step(f"creating endpoint {display_name!r}"):
        return aiplatform.Endpoint.create(
            display_name=display_name,
            enable_request_response_logging=wanted.enabled,
            request_response_logging_sampling_rate=wanted.sampling_rate if wanted.enabled else None,
            request_response_logging_bq_destination_table=(
                wanted.bigquery_destination.output_uri if wanted.enabled else None
            ),
        )


def ensure_logging(endpoint: aiplatform.Endpoint, request_logging: RequestLogging) -> None:
    """Patches the endpoint's request-response logging when it differs from the configured one."""
    current = endpoint.gca_resource.predict_request_response_logging_config
    wanted = request_logging.config(current)
    if _same(current, wanted):
        return
    with step(f"updating request-response logging of endpoint {endpoint.resource_name}"):
        endpoint.api_client.update_endpoint(
            endpoint=EndpointProto(name=endpoint.resource_name, predict_request_response_logging_config=wanted),
            update_mask=field_mask_pb2.FieldMask(paths=[_LOGGING_FIELD]),
        )
    logging.info("Request-response logging of %s is now %s", endpoint.resource_name, wanted)


def _same(current: PredictRequestResponseLoggingConfig, wanted: PredictRequestResponseLoggingConfig) -> bool:
    if current.enabled != wanted.enabled:
        return False
    return not wanted.enabled or (
        math.isclose(current.sampling_rate, wanted.sampling_rate)
        and current.bigquery_destination.output_uri == wanted.bigquery_destination.output_uri
    )


def deploy(endpoint: aiplatform.Endpoint, version: aiplatform.Model, deployment: Deployment) -> str:
    """Deploys the version with its share of traffic; at 100%, then undeploys what served before. Returns its id."""
    with step(f"reading the deployed models of endpoint {endpoint.resource_name}"):
        before = endpoint.list_models()
    # Vertex gives the first model on an endpoint all of its traffic, whatever the request says.
    traffic = deployment.traffic_percentage if sum(endpoint.traffic_split.values()) else 100
    target = f"{version.versioned_resource_name} to endpoint {endpoint.resource_name} with {traffic}% of traffic"
    with step(f"deploying {target}"):
        endpoint.deploy(
            model=version,
            deployed_model_display_name=f"{version.display_name}-v{version.version_id}",
            traffic_percentage=traffic,
            machine_type=deployment.machine_type,
            min_replica_count=deployment.min_replicas,
            max_replica_count=deployment.max_replicas,
            service_account=deployment.service_account or None,
        )
        deployed_id = _new_deployment(endpoint.list_models(), before, version)
    logging.info("Deployed %s as deployed model %s", target, deployed_id)
    if traffic == 100:
        for old in before:
            with step(f"undeploying the previous deployed model {old.id} from endpoint {endpoint.resource_name}"):
                endpoint.undeploy(deployed_model_id=old.id)
            logging.info("Undeployed %s (%s) from %s", old.id, old.model, endpoint.resource_name)
    return deployed_id


def _new_deployment(after: List, before: List, version: aiplatform.Model) -> str:
    earlier = {d.id for d in before}
    for deployed in after:
        model_id = deployed.model.split("@")[0].rsplit("/", 1)[-1]
        if deployed.id not in earlier and model_id == version.name and deployed.model_version_id == version.version_id:
            return str(deployed.id)
    raise RuntimeError(f"the endpoint lists no new deployment of {version.versioned_resource_name} after deploying it")
