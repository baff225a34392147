"""The model registry: every consumer of a model (serving, batch prediction) finds it here, never by path.

Each dataset has its own registry (locally <output_root>/serving_model/<dataset>/, on Vertex AI the model
vertex-tfx-<dataset>), so aliases, promote and rollback never reach another dataset's model.
"""

from pathlib import Path
from typing import List, Optional

from pipeline.config import PipelineConfig
from pipeline.config.core import serving_dir
from pipeline.config.dataset import PIPELINE_PREFIX
from pipeline.registry.model import ALIASES, LATEST, PRODUCTION, ModelVersion, Registry, RegistryError

__all__ = [
    "ALIASES",
    "LATEST",
    "PRODUCTION",
    "ModelVersion",
    "Registry",
    "RegistryError",
    "local_datasets",
    "open_registry",
]


def open_registry(config: PipelineConfig, dataset: Optional[str] = None) -> Registry:
    """The registry of `dataset` (default: the configured one): Vertex AI's with a vertex profile, else local."""
    name = dataset or config.dataset.name
    if config.vertex is not None:
        from pipeline.registry.vertex import VertexRegistry

        return VertexRegistry(config.vertex, display_name=PIPELINE_PREFIX + name)
    from pipeline.registry.local import LocalRegistry

    return LocalRegistry(serving_dir(config.output_root, name), config.metadata_path)


def local_datasets(config: PipelineConfig) -> List[str]:
    """The datasets with a local registry folder under output_root, sorted."""
    root = Path(serving_dir(config.output_root, config.dataset.name)).parent
    return sorted(path.name for path in root.iterdir() if path.is_dir()) if root.is_dir() else []
