"""The container Vertex AI serves a pushed model with: the project's image running `vtx serve`, or a prebuilt one.

The pusher uploads each model version with `container_spec(config)`, a ModelContainerSpec as REST JSON.
"""

import importlib.metadata
from typing import Any, Dict, List, Optional

from pipeline import contract
from pipeline.config import PipelineConfig
from pipeline.config.serving import ServingConfig

# Settings that the Vertex AI container takes from its AIP_* variables, or that mean nothing there.
_NOT_PASSED = {"host", "port", "endpoint", "deployed_model_id", "poll_seconds", "stage"}


class ServingChoiceError(ValueError):
    """The configured serving option cannot serve this model; one line saying why and what to set."""


def installed_tensorflow() -> str:
    """major.minor of the TensorFlow here, which the lock pins, so also the image's and the trained model's."""
    return ".".join(importlib.metadata.version("tensorflow").split(".")[:2])


def prebuilt_image(region: str, tensorflow: str) -> str:
    """Vertex AI's prebuilt TensorFlow prediction container for `tensorflow` near `region`, from the SDK's list."""
    from google.cloud.aiplatform import helpers

    try:
        return helpers.get_prebuilt_prediction_container_uri("tensorflow", tensorflow, region=region)
    except ValueError:
        listed = ", ".join(prebuilt_versions()) or "none"
        raise ServingChoiceError(
            f"vertex.pusher.serving is prebuilt, but Vertex AI has no prebuilt TensorFlow {tensorflow} prediction"
            f" container (google-cloud-aiplatform lists TensorFlow {listed}); set vertex.pusher.serving to custom"
        ) from None


def prebuilt_versions() -> List[str]:
    """The TensorFlow versions of the SDK's prebuilt CPU prediction containers, newest first."""
    from google.cloud.aiplatform.constants import prediction

    found = set()
    for uri in prediction.TF_CONTAINER_URIS:
        match = prediction.CONTAINER_URI_PATTERN.match(uri)
        if match and match["accelerator"] == "cpu":
            found.add(match["version"].replace("-", "."))
    return sorted(found, key=lambda version: [int(part) for part in version.split(".")], reverse=True)


def serving_flags(serving: ServingConfig) -> List[str]:
    """`--set serving.<key>=<value>` for each setting the container keeps, so it serves as configured here."""
    flags: List[str] = []
    for key, value in sorted(_leaves(serving.model_dump(exclude=_NOT_PASSED)).items()):
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        flags += ["--set", f"serving.{key}={text}"]
    return flags


def _leaves(tree: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    leaves: Dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            leaves.update(_leaves(value, f"{prefix}{key}."))
        else:
            leaves[prefix + key] = value
    return leaves


def container_spec(config: PipelineConfig, tensorflow: Optional[str] = None) -> Dict[str, Any]:
    """The model's ModelContainerSpec (REST JSON); raises ServingChoiceError when prebuilt has no container."""
    vertex = config.vertex
    if vertex is None:
        raise ValueError("only a model pushed to Vertex AI has a serving container")
    if vertex.pusher.serving == "prebuilt":
        return {"imageUri": prebuilt_image(vertex.region, tensorflow or installed_tensorflow())}
    return {
        "imageUri": vertex.serving_image,
        # Replaces the image's entry point (Beam's boot for Dataflow workers); `vtx` is on the image's PATH.
        "command": ["vtx", "serve"],
        "args": serving_flags(config.serving),
        "predictRoute": contract.CONTAINER_PREDICT_ROUTE,
        "healthRoute": contract.CONTAINER_HEALTH_ROUTE,
        "ports": [{"containerPort": contract.CONTAINER_PORT}],
    }


def default_inputs(config: PipelineConfig) -> str:
    """What the model's serving_default takes: raw features for a prebuilt container, else serialized examples."""
    if config.vertex is not None and config.vertex.pusher.serving == "prebuilt":
        return contract.DEFAULT_TAKES_RAW
    return contract.DEFAULT_TAKES_EXAMPLES
