"""The production endpoint on Vertex AI: a promoted version deployed with its stage's machines and traffic."""

from pipeline.config import PipelineConfig
from pipeline.registry.model import ModelVersion, RegistryError


class VertexDeployer:
    """Deploys registry versions to a stage's endpoint (created if missing) with the stage's settings."""

    def __init__(self, config: PipelineConfig, registry):
        from components.vertex import registry as vertex_registry

        assert config.vertex is not None
        self._config, self._vertex, self._registry = config, config.vertex, registry
        vertex_registry.connect(self._vertex.project, self._vertex.region, self._vertex.api_endpoint or "")

    def endpoint_name(self, stage: str) -> str:
        return self._config.release.endpoint_display_name(stage, self._config.pipeline_name)

    def deploy(self, version: ModelVersion, stage: str) -> str:
        from components.vertex import endpoint as vertex_endpoint
        from components.vertex.registry import VertexPushError

        settings, logging = self._config.release.stage(stage), self._vertex.pusher.request_logging
        deployment = vertex_endpoint.Deployment(
            settings.machine_type,
            settings.min_replicas,
            settings.max_replicas,
            settings.traffic_percentage,
            self._vertex.service_account or "",
        )
        # Users' traffic is logged: the production endpoint logs as vertex.pusher.request_logging says.
        requests = vertex_endpoint.RequestLogging(
            logging.enabled and stage == "production",
            logging.sampling_rate,
            logging.bigquery_table or "",
            self._vertex.project,
        )
        try:
            model = self._registry.get_model(version.version)
            endpoint = vertex_endpoint.endpoint_for(self.endpoint_name(stage), requests)
            deployed = vertex_endpoint.deploy(endpoint, model, deployment)
        except VertexPushError as error:
            raise RegistryError(str(error).replace("Vertex AI push failed", "Vertex AI promotion failed")) from None
        share = f"{deployment.traffic_percentage}%" if deployment.traffic_percentage < 100 else "all"
        return f"deployed as {deployed} on endpoint {endpoint.display_name} with {share} of its traffic"

    def endpoint_resource(self, stage: str) -> str:
        """The resource name of the stage's endpoint; RegistryError if it does not exist yet."""
        from google.cloud import aiplatform

        from components.vertex.registry import VertexPushError, step

        name = self.endpoint_name(stage)
        try:
            with step(f"looking up endpoint {name!r}"):
                found = aiplatform.Endpoint.list(filter=f'display_name="{name}"', order_by="create_time")
        except VertexPushError as error:
            raise RegistryError(str(error).replace("Vertex AI push failed", "Vertex AI call failed")) from None
        if not found:
            raise RegistryError(f"no endpoint named {name!r} in {self._vertex.project}/{self._vertex.region} yet")
        return found[0].resource_name
