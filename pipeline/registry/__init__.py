"""The model registry: every consumer of a model (serving, batch prediction) finds it here, never by path."""

from pipeline.config import PipelineConfig
from pipeline.registry.model import ALIASES, LATEST, PRODUCTION, ModelVersion, Registry, RegistryError

__all__ = ["ALIASES", "LATEST", "PRODUCTION", "ModelVersion", "Registry", "RegistryError", "open_registry"]


def open_registry(config: PipelineConfig) -> Registry:
    """The Vertex AI Model Registry when the profile targets Vertex AI, else the local one under output_root."""
    if config.vertex is not None:
        from pipeline.registry.vertex import VertexRegistry

        return VertexRegistry(config.vertex)
    from pipeline.registry.local import LocalRegistry

    return LocalRegistry(config.serving_dir, config.metadata_path)
