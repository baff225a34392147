"""Vertex AI Model Registry calls of the VertexPusher: one parent model, a version per push, moving aliases."""

import contextlib
import hashlib
import logging
import re
from typing import Any, Dict, Iterator, Optional

from google.api_core import exceptions
from google.auth import exceptions as auth_exceptions
from google.cloud import aiplatform
from google.cloud.aiplatform_v1.types import ModelContainerSpec
from google.protobuf import json_format

# The REST transport prefixes the service's message with "POST http://...: "; the URL says nothing new.
_REST_PREFIX = re.compile(r"^[A-Z]+ \S+: ")


class VertexPushError(RuntimeError):
    """A Vertex AI call failed; the message says which step and the service's reason."""


def _reason(error: Exception) -> str:
    if isinstance(error, exceptions.GoogleAPICallError):
        return f"{error.code} {type(error).__name__}: {_REST_PREFIX.sub('', error.message or '')}"
    return str(error)


@contextlib.contextmanager
def step(description: str) -> Iterator[None]:
    """Turns a failed Google API call inside into one VertexPushError naming `description`."""
    try:
        yield
    except (exceptions.GoogleAPICallError, exceptions.RetryError, auth_exceptions.GoogleAuthError) as error:
        raise VertexPushError(f"Vertex AI push failed while {description}: {_reason(error)}") from None


def connect(project: str, region: str, api_endpoint: str = "") -> None:
    """Points the SDK at the project and region; `api_endpoint` overrides Google's regional endpoint."""
    if not api_endpoint:
        aiplatform.init(project=project, location=region)
    elif api_endpoint.startswith("http://"):
        # Plain http is only ever a loopback fake or emulator: REST, and no Google credentials sent to it.
        from google.auth.credentials import AnonymousCredentials

        aiplatform.init(
            project=project,
            location=region,
            api_endpoint=api_endpoint,
            api_transport="rest",
            credentials=AnonymousCredentials(),
        )
    else:
        aiplatform.init(project=project, location=region, api_endpoint=api_endpoint)


def find_model(display_name: str) -> Optional[aiplatform.Model]:
    """The model named `display_name`, the oldest if there are several; None before the first push."""
    with step(f"looking up model {display_name!r} in the Model Registry"):
        models = aiplatform.Model.list(filter=f'display_name="{display_name}"', order_by="create_time")
    if len(models) > 1:
        logging.warning("%d models are named %r; versions go to the oldest one", len(models), display_name)
    return models[0] if models else None


def container_spec(spec_json: str) -> ModelContainerSpec:
    """The serving container of a version, parsed strictly from its REST JSON; a ValueError names what is wrong."""
    try:
        spec = json_format.Parse(spec_json, ModelContainerSpec.pb(ModelContainerSpec()), ignore_unknown_fields=False)
    except json_format.ParseError as error:
        raise ValueError(f"serving_container is not a ModelContainerSpec: {error}") from None
    if not spec.image_uri:
        raise ValueError("serving_container names no imageUri")
    dropped = sorted({field.json_name for field, _ in spec.ListFields()} - _PASSED_ON)
    if dropped:
        raise ValueError(f"serving_container sets {', '.join(dropped)}, which the pusher does not upload")
    return ModelContainerSpec.wrap(spec)


# The ModelContainerSpec fields _container_arguments hands to Model.upload.
_PASSED_ON = {"imageUri", "command", "args", "env", "ports", "predictRoute", "healthRoute"}


def _container_arguments(spec: ModelContainerSpec) -> Dict[str, Any]:
    """Model.upload's serving_container_* arguments of the spec; those the spec leaves empty stay unset."""
    return {
        "serving_container_image_uri": spec.image_uri,
        "serving_container_command": list(spec.command) or None,
        "serving_container_args": list(spec.args) or None,
        "serving_container_environment_variables": {env.name: env.value for env in spec.env} or None,
        "serving_container_ports": [port.container_port for port in spec.ports] or None,
        "serving_container_predict_route": spec.predict_route or None,
        "serving_container_health_route": spec.health_route or None,
    }


def upload_version(
    display_name: str, artifact_uri: str, container: ModelContainerSpec, labels: Dict[str, str], alias: str
) -> aiplatform.Model:
    """Uploads the SavedModel as a new version of the model named `display_name` (its first version on
    the first push), served by `container`, giving it `alias`, which is taken from the version that had it first."""
    parent = find_model(display_name)
    if parent is not None:
        remove_alias(parent, alias)
    what = f"a new version of {parent.resource_name}" if parent else f"the first version of model {display_name!r}"
    with step(f"uploading {artifact_uri} as {what}"):
        version = aiplatform.Model.upload(
            display_name=display_name,
            artifact_uri=artifact_uri,
            parent_model=parent.resource_name if parent else None,
            version_aliases=[alias],
            labels=labels,
            **_container_arguments(container),
        )
    logging.info("Uploaded %s as version %s", artifact_uri, version.versioned_resource_name)
    return version


def remove_alias(model: aiplatform.Model, alias: str, keep_version: Optional[str] = None) -> None:
    """Takes `alias` from whichever version of the model has it, unless that is `keep_version`."""
    registry = aiplatform.models.ModelRegistry(model.resource_name)
    with step(f"finding the version of {model.resource_name} with alias {alias!r}"):
        holders = [v.version_id for v in registry.list_versions() if alias in (v.version_aliases or [])]
    for holder in holders:
        if holder != keep_version:
            with step(f"removing alias {alias!r} from version {holder} of {model.resource_name}"):
                registry.remove_version_aliases([alias], version=holder)


def move_alias(version: aiplatform.Model, alias: str) -> None:
    """Gives `alias` to this version, after taking it from the version that had it."""
    remove_alias(version, alias, keep_version=version.version_id)
    if alias in (version.version_aliases or []):
        return
    with step(f"adding alias {alias!r} to {version.versioned_resource_name}"):
        aiplatform.models.ModelRegistry(version.resource_name).add_version_aliases([alias], version=version.version_id)
    logging.info("Alias %r now points to %s", alias, version.versioned_resource_name)


# A label naming the SavedModel a version was uploaded from, so the same model is never uploaded twice.
ARTIFACT_LABEL = "model_artifact"


def artifact_label(artifact_uri: str) -> str:
    return hashlib.sha256(artifact_uri.encode()).hexdigest()[:32]


def find_version(display_name: str, artifact_uri: str) -> Optional[aiplatform.Model]:
    """The version uploaded from `artifact_uri` before, if any.

    On Vertex AI a cached Trainer hands the same model to every later run, and the Evaluator blesses it
    again against itself (Kubeflow V2 only compiles TFX's plain latest-blessed-model resolver).
    """
    parent = find_model(display_name)
    if parent is None:
        return None
    registry = aiplatform.models.ModelRegistry(parent.resource_name)
    label = f'labels.{ARTIFACT_LABEL}="{artifact_label(artifact_uri)}"'
    with step(f"looking for a version of {parent.resource_name} uploaded from {artifact_uri}"):
        versions = registry.list_versions(filter=label)
        return registry.get_model(version=versions[0].version_id) if versions else None
